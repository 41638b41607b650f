#!/usr/bin/env bash
# Makes sure a Docker engine responds on /var/run/docker.sock: installs Debian's docker.io when
# dockerd is missing, and starts dockerd in the background when it is not running.
set -euo pipefail

if docker info > /dev/null 2>&1; then
    exit 0
fi
if ! command -v dockerd > /dev/null 2>&1; then
    echo "Installing Debian's docker.io (needs root)"
    apt-get update -q > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io > /dev/null
fi
if ! docker info > /dev/null 2>&1; then
    log=/var/log/dockerd.log
    echo "Starting dockerd (log: $log)"
    # setsid keeps the engine running after the calling script ends.
    setsid dockerd > "$log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        docker info > /dev/null 2>&1 && break
        sleep 1
    done
fi
docker info > /dev/null 2>&1 || { echo "the Docker engine did not start; see /var/log/dockerd.log" >&2; exit 1; }
echo "Docker engine $(docker version --format '{{.Server.Version}}') is running"
