#!/usr/bin/env bash
# Measures what line-buffered C stdio (coreutils' libstdbuf, which the runner preloads into batch
# commands unless BACKENDAI_RUNNER_BATCH_LINE_BUFFERED=false) costs a C program that prints
# 1,000,000 short lines, in the C kernel image started the way the agent starts kernels.
#
# It reports the median of RUNS runs, in milliseconds, of:
#   - the program writing to /dev/null and to a pipe read by cat, with and without libstdbuf;
#   - the program as a batch exec request through the runner, with RunnerProbe in the container
#     reading the records. One runner has line buffering on, the other off.
#   - the command "true" through the runner, which is the probe's own cost.
#
# Usage: kernel-images/benchmark-line-buffering.sh [RUNS]   (default 5)
# Needs the bundle (mvn -pl kernel-images -am package) and backendai/c:12-debian12.
set -euo pipefail

runs=${1:-5}
IMAGE=${BENCHMARK_IMAGE:-backendai/c:12-debian12}
bundle="$(cd "$(dirname "$0")" && pwd)/target/krunner"
suffix="$$"
network="backendai-bench-$suffix"
containers=("backendai-bench-on-$suffix" "backendai-bench-off-$suffix")
preload='LD_PRELOAD=/usr/libexec/coreutils/libstdbuf.so _STDBUF_O=L _STDBUF_I=L'

die() { echo "benchmark: FAILED: $*" >&2; exit 1; }

[[ -x "$bundle/bin/entrypoint.sh" ]] || die "no runner bundle in $bundle"
docker image inspect "$IMAGE" > /dev/null 2>&1 || die "image $IMAGE is missing"

cleanup() {
    for container in "${containers[@]}"; do
        docker rm --force "$container" > /dev/null 2>&1 || true
    done
    docker network rm "$network" > /dev/null 2>&1 || true
}
trap cleanup EXIT

docker network create --internal "$network" > /dev/null
for container in "${containers[@]}"; do
    line_buffered=true
    [[ $container == *-off-* ]] && line_buffered=false
    docker run --detach --init --name "$container" --user 1000:1000 --network "$network" \
        --volume "$bundle:/opt/kernel:ro" \
        --env BACKENDAI_RUNTIME_TYPE=c --env BACKENDAI_RUNTIME_PATH=/usr/bin/gcc \
        --env BACKENDAI_RUNNER_BATCH_LINE_BUFFERED=$line_buffered \
        --memory 512m "$IMAGE" /opt/kernel/bin/entrypoint.sh > /dev/null
    docker exec -i "$container" sh -c 'cat > lines.c && gcc -O2 -o lines lines.c' <<'EOF'
#include <stdio.h>
int main(void) {
  for (int i = 0; i < 1000000; i++) {
    printf("line %d\n", i);
  }
  return 0;
}
EOF
done

# Prints the median of the numbers on standard input.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Runs a shell command in the first container RUNS times and prints the median wall time in ms.
time_in_container() {
    for _ in $(seq "$runs"); do
        docker exec "${containers[0]}" sh -c \
            "start=\$(date +%s%N); $1; end=\$(date +%s%N); echo \$(( (end - start) / 1000000 ))"
    done | median
}

# Runs a batch exec request through the runner of a container, RunnerProbe reading it from
# 127.0.0.1, RUNS times, and prints the median wall time in ms and the records of the last run.
time_through_runner() {
    local container=$1 command=$2 output
    for _ in $(seq "$runs"); do
        output=$(docker exec "$container" sh -c \
            "start=\$(date +%s%N)
            /opt/kernel/jre/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
                -XX:-UsePerfData -cp /opt/kernel/runner.jar ai.backend.kernel.tools.RunnerProbe \
                --timeout 120 --summary --operation exec '$command' > /tmp/records
            end=\$(date +%s%N)
            echo \$(( (end - start) / 1000000 )) \$(grep -c '^stdout' /tmp/records)")
        echo "$output"
    done | sort -n | awk '{ t[NR] = $1; r[NR] = $2 } END { m = int((NR + 1) / 2); print t[m], r[m] }'
}

echo "benchmark: $runs runs each, median wall time"
printf '%-58s %8s\n' "measure" "ms"
printf '%-58s %8s\n' "./lines > /dev/null" "$(time_in_container './lines > /dev/null')"
printf '%-58s %8s\n' "./lines > /dev/null, libstdbuf" \
    "$(time_in_container "$preload ./lines > /dev/null")"
printf '%-58s %8s\n' "./lines | cat > /dev/null" "$(time_in_container './lines | cat > /dev/null')"
printf '%-58s %8s\n' "./lines | cat > /dev/null, libstdbuf" \
    "$(time_in_container "$preload ./lines | cat > /dev/null")"
for container in "${containers[@]}"; do
    mode=on
    [[ $container == *-off-* ]] && mode=off
    read -r millis records < <(time_through_runner "$container" ./lines)
    printf '%-58s %8s  (%s stdout records)\n' "exec ./lines through the runner, line buffering $mode" \
        "$millis" "$records"
done
read -r millis _ < <(time_through_runner "${containers[0]}" true)
printf '%-58s %8s\n' "exec true through the runner (the probe's own cost)" "$millis"
