#!/usr/bin/env bash
# Measures how fast the manager's scheduler places a backlog of PENDING sessions on simulated
# agents (bai-agent --simulate, which start no containers), against the running quickstart system.
# It never stops or restarts the manager. Start the system with ./quickstart.sh first.
#
# Steps: it creates the resource policy, user and keypair bench-scheduler and the inactive scaling
# group bench-sim. It starts AGENTS simulated agents in one JVM in that group and waits until they
# are ALIVE. It creates SESSIONS sessions (python, cpu 1, mem 256m) that stay PENDING, releases
# them by activating the group, and measures until none is PENDING and all are RUNNING. A manager
# that rejects sessions for an inactive group gets a fallback instead: one blocker session fills
# each agent, and destroying the blockers releases the backlog. It prints the scheduler's SQL
# statements per placement and the agents' JVM memory. At the end it destroys the sessions, stops
# the agents and deletes what the admin API can delete. The agents bench-sim-0001 and up and the
# group bench-sim stay in the manager's database, LOST, because the API has no call that removes an
# agent.
#
# Usage: scripts/benchmark-scheduler.sh [SCHEDULER] [SELECTION] [AGENTS] [SESSIONS]
#   SCHEDULER fifo (default), lifo or drf; SELECTION dispersed (default) or concentrated;
#   AGENTS 100 and SESSIONS 1000 by default. Each agent offers twice its share of the sessions.
# The admin keypair comes from var/admin-keypair.properties (or BACKEND_* variables), the broker
# user and password from var/agent-broker.properties. Extra JVM options for the agents go in
# BAI_AGENT_JAVA_OPTS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scheduler=${1:-fifo}
selection=${2:-dispersed}
agents=${3:-100}
sessions=${4:-1000}

case "$scheduler" in fifo | lifo | drf) ;; *)
    echo "benchmark-scheduler: invalid scheduler '$scheduler': use fifo, lifo or drf" >&2; exit 2 ;;
esac
case "$selection" in dispersed | concentrated) ;; *)
    echo "benchmark-scheduler: invalid selection '$selection': use dispersed or concentrated" >&2
    exit 2 ;;
esac
for number in "$agents" "$sessions"; do
    if ! [[ "$number" =~ ^[1-9][0-9]{0,3}$ ]]; then
        echo "benchmark-scheduler: invalid count '$number': use 1 to 9999" >&2; exit 2
    fi
done

client_jar="$root/client/target/backend-ai-client.jar"
agent_jar="$root/agent-standalone/target/backend-ai-agent.jar"
broker_file="$root/var/agent-broker.properties"
for file in "$client_jar" "$agent_jar" "$broker_file"; do
    if [ ! -f "$file" ]; then
        echo "benchmark-scheduler: $file not found; build and start the system with ./quickstart.sh" >&2
        exit 1
    fi
done
broker_user=$(sed -n 's/^user=//p' "$broker_file")
broker_password=$(sed -n 's/^password=//p' "$broker_file")

# Each agent offers twice its share, so that concentrated selection also has room to choose.
per_agent=$(( (2 * sessions + agents - 1) / agents ))
agent_cpu=$per_agent
agent_mem="$(( per_agent * 256 ))m"

work=$(mktemp -d)
keypair_file="$work/bench-keypair.properties"
mkdir -p "$root/var/log"
agent_log="$root/var/log/benchmark-scheduler-agents.log"
agent_pid=""

bench() {
    java -Dbai.home="$root" -cp "$client_jar" ai.backend.client.bench.SchedulerBenchmark "$@"
}

cleanup() {
    local status=$?
    trap - EXIT
    echo "== Cleaning up"
    bench destroy-sessions "$keypair_file" || echo "benchmark-scheduler: destroying the sessions failed" >&2
    if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
        echo "Stopping the simulated agents (pid $agent_pid)"
        kill "$agent_pid"
        for _ in $(seq 1 60); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$agent_pid" 2>/dev/null; then
            echo "benchmark-scheduler: the agents did not stop within 30 s; killing pid $agent_pid" >&2
            kill -9 "$agent_pid"
        fi
    fi
    bench teardown || echo "benchmark-scheduler: teardown failed" >&2
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

database="H2 (embedded)"
wildfly_config=$(ls -d "$root"/var/wildfly-*/standalone/configuration/standalone-full.xml 2>/dev/null | head -n 1 || true)
if [ -n "$wildfly_config" ] && grep -q 'jdbc:postgresql' "$wildfly_config"; then
    database="PostgreSQL"
fi
echo "== Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, database $database," \
    "$(java -version 2>&1 | head -n 1); load average $(cut -d ' ' -f 1-3 /proc/loadavg);" \
    "$(date -u +%Y-%m-%dT%H:%MZ)"
echo "== Scheduler $scheduler, selection $selection, $agents agents with cpu=$agent_cpu" \
    "mem=$agent_mem each, $sessions sessions"

# The fallback of SchedulerBenchmark adds one blocker session per agent.
bench prepare "$scheduler" "$selection" "$(( sessions + agents ))" "$keypair_file"

echo "== Starting $agents simulated agents (log: $agent_log)"
BACKEND_AGENT_BROKER_PASSWORD="$broker_password" "$root/bin/bai-agent" \
    --simulate --simulate-agents "$agents" --agent-id bench-sim --scaling-group bench-sim \
    --cpu "$agent_cpu" --mem "$agent_mem" \
    --broker-url 'tcp://127.0.0.1:61616?enable1xPrefixes=true' --broker-user "$broker_user" \
    > "$agent_log" 2>&1 < /dev/null &
agent_pid=$!

bench run "$agents" "$sessions" "$keypair_file" "$agent_pid"
