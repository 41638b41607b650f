#!/usr/bin/env bash
# Prints, in one run: session create-to-RUNNING latency and the execute round trip of print(1)
# over the REST API of the running quickstart system, and beside them raw `docker run --rm` of
# the same image running `python3 -c pass`. Start the system with ./quickstart.sh first.
#
# Usage: scripts/benchmark.sh [SESSIONS] [RUNS]   (defaults 5 and 200)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sessions=${1:-5}
runs=${2:-200}
image=backendai/python:3.11-debian12

echo "== Backend.AI over the REST API"
java -Dbai.home="$root" -cp "$root/client/target/backend-ai-client.jar" \
    ai.backend.client.bench.SessionBenchmark "$sessions" "$runs" python

echo "== Reference: docker run --rm $image python3 -c pass"
times=()
for _ in $(seq 1 "$sessions"); do
    begin=$(date +%s%N)
    docker run --rm --network none "$image" python3 -c pass
    times+=($(( ($(date +%s%N) - begin) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "docker run over $sessions runs: p50 $(echo "$sorted" | sed -n "$(( (sessions + 1) / 2 ))p") ms, max $(echo "$sorted" | tail -n 1) ms"
