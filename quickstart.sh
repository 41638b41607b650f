#!/usr/bin/env bash
# Builds what is missing, starts a local Backend.AI (WildFly with the manager on embedded H2,
# and one agent), builds the Python kernel image, and runs a piece of code in a session.
#
#   ./quickstart.sh          set up and start everything, then run the example
#   ./quickstart.sh stop     stop the agent and the manager (containers of live sessions are
#                            removed when their sessions are destroyed)
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
var="$root/var"
agent_pid="$var/agent.pid"
agent_log="$var/log/agent.log"

agent_running() { [ -f "$agent_pid" ] && kill -0 "$(cat "$agent_pid")" 2>/dev/null; }

stop_all() {
    if agent_running; then
        echo "Stopping the agent (pid $(cat "$agent_pid"))"
        kill "$(cat "$agent_pid")"
        for _ in $(seq 1 30); do agent_running || break; sleep 1; done
    fi
    rm -f "$agent_pid"
    bin/bai-manager stop
}

if [ "${1:-}" = "stop" ]; then
    stop_all
    exit 0
elif [ $# -gt 0 ]; then
    echo "usage: $0 [stop]" >&2
    exit 2
fi

scripts/ensure-docker.sh
scripts/ensure-build-tools.sh

if [ ! -f manager-ear/target/backend-ai.ear ] || [ ! -f agent-standalone/target/backend-ai-agent.jar ] \
    || [ ! -f client/target/backend-ai-client.jar ] || [ ! -x kernel-images/target/krunner/bin/entrypoint.sh ]; then
    echo "== Building the product (first run takes a few minutes)"
    mvn -B -ntp -q install -DskipTests -DskipITs
fi

echo "== Building the kernel images that are missing"
kernel-images/build-images.sh

echo "== Starting the manager"
bin/bai-manager start

if ! agent_running; then
    echo "== Starting an agent (log: $agent_log)"
    mkdir -p "$var/log"
    broker_password=$(sed -n 's/^password=//p' "$var/agent-broker.properties")
    BACKEND_AGENT_BROKER_PASSWORD="$broker_password" setsid bin/bai-agent \
        --broker-url 'tcp://127.0.0.1:61616?enable1xPrefixes=true' --broker-user agent \
        --agent-id local-agent > "$agent_log" 2>&1 < /dev/null &
    echo $! > "$agent_pid"
fi

echo "== Running code in a Python session"
export BACKEND_KEYPAIR_FILE="$var/admin-keypair.properties"
deadline=$((SECONDS + 60))
# The agent reports its images with its first heartbeat; until then the image is unknown.
until bin/bai images 2>/dev/null | grep -q '^backendai/python:'; do
    if [ $SECONDS -ge $deadline ]; then
        echo "quickstart: the agent did not report the python image within 60 s; see $agent_log" >&2
        exit 1
    fi
    agent_running || { echo "quickstart: the agent exited; see $agent_log" >&2; exit 1; }
    sleep 1
done
bin/bai run python -c 'import sys, platform; print("Hello from Python", platform.python_version(), "in a container; 6 * 7 =", 6 * 7)'

cat <<MSG

Backend.AI is running: manager at http://127.0.0.1:8080, agent 'local-agent'.
Try:   bin/bai run python -c 'print(sum(range(10)))'
       bin/bai ps
Stop:  ./quickstart.sh stop
MSG
