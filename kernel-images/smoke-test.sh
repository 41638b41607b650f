#!/usr/bin/env bash
# End-to-end check of the Python kernel image with the runner bundle, started the way the agent
# starts kernels: uid 1000, an internal bridge network, the bundle mounted read-only at
# /opt/kernel, a 512 MiB memory limit. RunnerProbe then runs code through the runner.
#
# The probe runs inside the kernel container (docker exec) and connects to 127.0.0.1, so the
# check sends no traffic to the container's bridge address from the host.
#
# Needs the bundle (mvn -pl kernel-images -am package) and the images (./build-images.sh). Set
# SMOKE_TEST_IMAGE to check another tag of the Python image.
set -euo pipefail

IMAGE=${SMOKE_TEST_IMAGE:-backendai/python:3.11-debian12}
module_dir=$(cd "$(dirname "$0")" && pwd)
bundle="$module_dir/target/krunner"
suffix="$$"
container="backendai-smoke-$suffix"
network="backendai-smoke-$suffix"

log() { echo "smoke-test: $*"; }
die() { echo "smoke-test: FAILED: $*" >&2; exit 1; }

[[ -x "$bundle/bin/entrypoint.sh" && -f "$bundle/runner.jar" ]] \
    || die "no runner bundle in $bundle; run 'mvn -pl kernel-images -am package' first."
docker info >/dev/null 2>&1 || die "Docker is not reachable; start the Docker engine."
docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE is missing; run ./build-images.sh."

cleanup() {
    docker rm --force "$container" >/dev/null 2>&1 || true
    docker network rm "$network" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker network create --internal "$network" >/dev/null
start_ms=$(date +%s%3N)
docker run --detach --name "$container" \
    --user 1000:1000 \
    --network "$network" \
    --volume "$bundle:/opt/kernel:ro" \
    --env BACKENDAI_RUNTIME_TYPE=python \
    --env BACKENDAI_RUNTIME_PATH=/usr/bin/python3 \
    --memory 512m \
    "$IMAGE" /opt/kernel/bin/entrypoint.sh >/dev/null
address=$(docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")
log "started $container on $network (container address $address)"

# Runs RunnerProbe in the container and prints its records; the exit code is the last run's.
probe() {
    docker exec "$container" /opt/kernel/jre/bin/java \
        -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -XX:-UsePerfData \
        -cp /opt/kernel/runner.jar ai.backend.kernel.tools.RunnerProbe \
        --host 127.0.0.1 --timeout 60 "$@"
}

show() { echo "$1" | sed 's/^/    /'; }

expect_line() {
    local output=$1 line=$2
    grep --quiet --fixed-strings --line-regexp -- "$line" <<<"$output" || die "missing the line: $line"
}

log "check 1: state persists across runs"
output=$(probe 'x = 41' 'print(x + 1)')
ready_ms=$(date +%s%3N)
show "$output"
expect_line "$output" 'status "{\"ready\":true}"'
expect_line "$output" 'stdout "42\n"'
log "first two runs finished $((ready_ms - start_ms)) ms after docker run"

log "check 2: uid, working directory, numpy and matplotlib"
output=$(probe 'import os, numpy, matplotlib.pyplot as plt
print(os.getuid(), os.getcwd(), int(numpy.arange(4).sum()), plt.get_backend())
plt.plot([1, 2, 3]); plt.savefig("plot.png"); print(os.path.getsize("plot.png") > 0)')
show "$output"
expect_line "$output" 'stdout "1000 /home/work 6 module://lablup.matplotlib_backend\n"'
expect_line "$output" 'stdout "True\n"'

log "check 2b: plt.show() sends the figure as SVG media"
output=$(probe --summary 'import matplotlib.pyplot as plt; plt.plot([1, 2, 3]); plt.show()')
show "$output"
grep --quiet '^media [0-9]' <<<"$output" || die "no media record"
output=$(probe 'from lablup.display import display_html; display_html("<b>hi</b>")')
expect_line "$output" 'media "[\"text/html\",\"<b>hi</b>\"]"'

log "check 3: output of child processes, and an exception"
set +e
output=$(probe 'import os; os.system("echo from-shell")' 'print("to stdout"); 1 / 0')
exit_code=$?
set -e
show "$output"
expect_line "$output" 'stdout "from-shell\n"'
grep --quiet 'ZeroDivisionError: division by zero' <<<"$output" || die "no traceback"
[[ $exit_code -eq 1 ]] || die "the failing run exited with $exit_code, expected 1"

log "check 4: SystemExit sets the exit code"
set +e
output=$(probe 'raise SystemExit(3)')
exit_code=$?
set -e
show "$output"
expect_line "$output" 'finished "{\"exitCode\":3}"'
[[ $exit_code -eq 3 ]] || die "the probe exited with $exit_code, expected 3"

log "check 5: batch mode runs shell commands and the default exec in /home/work"
output=$(probe --operation exec 'pwd; printf "print(\"from main.py\")\n" > main.py' '*')
show "$output"
expect_line "$output" 'stdout "/home/work\n"'
grep --quiet 'from main.py' <<<"$output" || die "the default exec did not run main.py"

docker stats --no-stream --format 'smoke-test: container memory {{.MemUsage}}' "$container"
docker stop --time 10 "$container" >/dev/null
container_log=$(docker logs "$container" 2>&1)
echo "$container_log" | sed 's/^/    log: /'
grep --quiet 'Kernel runner started' <<<"$container_log" || die "no start line in the container log"
grep --quiet 'Kernel runner stopped' <<<"$container_log" || die "no stop line in the container log"
log "PASSED"
