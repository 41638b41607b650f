#!/usr/bin/env bash
# Tests of the jail and of libbaihook.so, run by 'make test'. Each test prints PASS or FAIL with
# its name, and the last line is "N passed, N failed". Exits 1 if a test failed.
#
# Usage: tests/run-tests.sh BUILD_DIR
# The programs under test run as the calling user. The tests need no network and no root, but
# keyctl and ptrace must not be blocked already, as Docker's default seccomp profile does.
set -uo pipefail

[[ $# -eq 1 ]] || { echo "Usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
jail=$build/jail
probe=$build/tests/probe
cpu_count=$build/tests/cpu-count
hook=$build/libbaihook.so
policies=$build/policies
# Seconds that one jailed program may run before the test counts as hung.
TIMEOUT=60

# The scratch folder is under /tmp, which base.policy lets programs write. The data folder must
# lie outside every allowed prefix, and the build folder may not (a clone under /tmp), so it is
# the first candidate that is outside them and writable.
scratch=$(mktemp -d /tmp/jail-tests.XXXXXX)
outside=
for parent in "$build" /run /srv "$HOME"; do
    case "$parent/" in
        /tmp/*|/var/tmp/*|/dev/shm/*|/home/work/*|/usr/*|/etc/*|/opt/kernel/*|/var/cache/*|/proc/*|/sys/*|/dev/*) continue ;;
    esac
    if outside=$(mktemp -d "$parent/jail-test-data.XXXXXX" 2>/dev/null); then
        break
    fi
    outside=
done
if [[ -z "$outside" ]]; then
    echo "jail tests: no writable folder outside the policies' allowed prefixes (tried $build, /run, /srv, \$HOME)" >&2
    exit 2
fi
echo secret > "$outside/secret.txt"
echo visible > "$scratch/visible.txt"
ln -s "$outside/secret.txt" "$scratch/link-to-secret"
cp "$probe" "$scratch/probe-copy"
trap 'rm -rf "$scratch" "$outside"' EXIT

passed=0
failed=0

pass() {
    passed=$((passed + 1))
    echo "PASS $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
}

# check NAME EXPECTED ACTUAL
check() {
    if [[ "$2" == "$3" ]]; then
        pass "$1"
    else
        fail "$1" "expected '$2', got '$3'"
    fi
}

# check_contains NAME FILE TEXT
check_contains() {
    if grep --quiet --fixed-strings -- "$3" "$2"; then
        pass "$1"
    else
        fail "$1" "$(basename "$2") lacks '$3': $(head -c 500 "$2")"
    fi
}

# Runs the jail with base.policy, the test programs allowed to run, and further jail options
# before "--". stderr goes to $scratch/stderr.
jailed() {
    timeout "$TIMEOUT" "$jail" --policy "$policies/base.policy" --allow-exec "$build/tests" "$@" \
        2> "$scratch/stderr"
}

test_exit_status() {
    local code
    jailed -- "$probe" exit 0
    check "exit code 0 passes through" 0 $?
    jailed -- "$probe" exit 7
    check "exit code 7 passes through" 7 $?
    jailed -- "$probe" raise 15
    check "death by SIGTERM gives 143" 143 $?
    jailed -- "$probe" raise 9
    check "death by SIGKILL gives 137" 137 $?
    code=0
    jailed -- /nonexistent/program || code=$?
    check "missing program gives 127" 127 "$code"
    check "stdin passes through" "hello" "$(echo hello | jailed -- /usr/bin/cat)"
}

test_denied_syscalls() {
    check "ptrace fails with EPERM" EPERM "$(jailed -- "$probe" ptrace)"
    check "keyctl fails with EPERM" EPERM "$(jailed -- "$probe" keyctl)"
    check "prctl(PR_SET_DUMPABLE, 0) fails" EPERM "$(jailed -- "$probe" undumpable)"
    check "personality query works" ok "$(jailed -- "$probe" personality ffffffff)"
    check "personality ADDR_NO_RANDOMIZE fails" EPERM "$(jailed -- "$probe" personality 40000)"

    local unjailed
    unjailed=$("$probe" keyctl)
    check "watch: keyctl runs" "$unjailed" "$(jailed --watch -- "$probe" keyctl)"
    check_contains "watch: keyctl is logged" "$scratch/stderr" "watch: would deny keyctl"
    jailed --watch -- "$probe" ptrace > /dev/null
    check_contains "watch: ptrace is logged" "$scratch/stderr" "watch: would deny ptrace"
}

test_open_rules() {
    check "open inside for reading" ok "$(jailed -- "$probe" open "$scratch/visible.txt" r)"
    check "open inside for writing" ok "$(jailed -- "$probe" open "$scratch/new.txt" w)"
    check "open outside fails" EPERM "$(jailed -- "$probe" open "$outside/secret.txt" r)"
    check_contains "denied open is logged" "$scratch/stderr" "denied open of $outside/secret.txt"
    check "open of missing outside file" ENOENT "$(jailed -- "$probe" open "$outside/missing" r)"
    check "create outside fails" EPERM "$(jailed -- "$probe" open "$outside/new.txt" w)"
    check "write to read-only prefix fails" EPERM "$(jailed -- "$probe" open /etc/hostname w)"
    check "symlink to outside fails" EPERM "$(jailed -- "$probe" open "$scratch/link-to-secret" r)"
    check ".. out of /tmp fails" EPERM \
        "$(jailed -- "$probe" open "$scratch/../..$outside/secret.txt" r)"
    check "/proc/self/root path fails" EPERM \
        "$(jailed -- "$probe" open "/proc/self/root$outside/secret.txt" r)"
    check "openat relative to dirfd fails" EPERM \
        "$(jailed -- "$probe" openat "$scratch" "../..$outside/secret.txt")"
    check "openat relative to dirfd works" ok "$(jailed -- "$probe" openat "$scratch" visible.txt)"
    check "own /proc works" ok "$(jailed -- "$probe" open /proc/self/status r)"
    check "other /proc fails" EPERM "$(jailed -- "$probe" open /proc/1/status r)"
    check "jail memory fails" EPERM "$(jailed -- "$probe" open-parent-mem)"
    check "watch: open outside runs" ok \
        "$(jailed --watch -- "$probe" open "$outside/secret.txt" r)"
    check_contains "watch: open is logged" "$scratch/stderr" \
        "watch: would deny open of $outside/secret.txt"
    check "--allow-read adds a prefix" ok \
        "$(jailed --allow-read "$outside" -- "$probe" open "$outside/secret.txt" r)"
}

test_exec_rules() {
    jailed -- "$probe" exec /usr/bin/true
    check "exec under /usr works" 0 $?
    check "exec outside fails" EPERM "$(jailed -- "$probe" exec "$scratch/probe-copy")"
    local code=0
    jailed -- "$scratch/probe-copy" exit 0 || code=$?
    check "jail refuses a program outside" 126 "$code"
    check_contains "denied exec is logged" "$scratch/stderr" "denied exec of $scratch/probe-copy"
    code=0
    jailed --watch -- "$probe" exec "$scratch/probe-copy" || code=$?
    check "watch: exec outside runs" 0 "$code"
    check_contains "watch: exec is logged" "$scratch/stderr" "watch: would deny exec of"
}

# Waits until no process has the command line $1 any more, up to 10 s. Prints how many are left.
leftover_processes() {
    local left attempt
    for attempt in $(seq 1 100); do
        left=$(pgrep -f -c -- "$1" || true)
        [[ "$left" -eq 0 ]] && break
        sleep 0.1
    done
    echo "$left"
}

# An execute-only program is not dumpable, so the jail cannot read its memory. It must still run,
# with its path checks skipped and a message about that. Root can read every file, so as root the
# test runs as the user nobody (uid 65534).
test_execute_only() {
    local as_user=()
    if [[ $(id -u) -eq 0 ]]; then
        if ! command -v setpriv > /dev/null; then
            echo "SKIP execute-only program runs: running as root without setpriv"
            return
        fi
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    cp "$probe" "$scratch/probe-execute-only"
    chmod 111 "$scratch/probe-execute-only"
    chmod 755 "$scratch"
    local code=0
    timeout "$TIMEOUT" "${as_user[@]}" "$jail" --policy "$policies/base.policy" \
        --allow-exec "$scratch" -- "$scratch/probe-execute-only" exit 3 2> "$scratch/stderr" \
        || code=$?
    check "execute-only program runs" 3 "$code"
    check_contains "execute-only program is reported" "$scratch/stderr" "run unchecked"
}

test_process_limit() {
    local output max_live eagain start elapsed
    start=$SECONDS
    output=$(jailed --max-procs 20 -- "$probe" forkbomb 2)
    check "fork bomb: jail exits with the program" 0 $?
    elapsed=$((SECONDS - start))
    read -r _ max_live _ eagain _ <<< "$output"
    if [[ "${max_live:-99}" -le 20 && "${max_live:-0}" -ge 2 ]]; then
        pass "fork bomb: at most 20 live processes ($max_live)"
    else
        fail "fork bomb: at most 20 live processes" "probe output: $output"
    fi
    if [[ "${eagain:-0}" -gt 0 ]]; then
        pass "fork bomb: forks fail with EAGAIN ($eagain)"
    else
        fail "fork bomb: forks fail with EAGAIN" "probe output: $output"
    fi
    check "fork bomb: no process left" 0 "$(leftover_processes "$probe forkbomb")"
    if [[ $elapsed -le 20 ]]; then
        pass "fork bomb: ends in time (${elapsed} s)"
    else
        fail "fork bomb: ends in time" "took $elapsed s"
    fi
    check "threads are not counted" ok "$(jailed --max-procs 2 -- "$probe" threads 10)"
}

# Starts probe wait-signal, or the probe command given, under the jail in the background,
# without a wrapper, so that $! is the jail, and waits until the probe is ready.
start_waiting_probe() {
    [[ $# -gt 0 ]] || set -- wait-signal
    rm -f "$scratch/ready"
    "$jail" --policy "$policies/base.policy" --allow-exec "$build/tests" -- \
        "$probe" "$@" > "$scratch/ready" 2> "$scratch/stderr" &
    waiting_jail=$!
    local attempt
    for attempt in $(seq 1 100); do
        grep --quiet ready "$scratch/ready" 2> /dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Sets jail_status to the exit status of the background jail, after killing it if it runs for
# 10 s more. It runs in this shell, not in $(...), because only this shell can wait for it.
wait_for_jail() {
    local attempt
    for attempt in $(seq 1 100); do
        kill -0 "$waiting_jail" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$waiting_jail" 2> /dev/null
    jail_status=0
    wait "$waiting_jail" 2> /dev/null || jail_status=$?
}

test_signal_forwarding() {
    if start_waiting_probe; then
        kill -INT "$waiting_jail"
        wait_for_jail
        check "SIGINT to the jail reaches the program" 42 "$jail_status"
    else
        fail "SIGINT to the jail reaches the program" "the probe did not start"
    fi

    if start_waiting_probe; then
        kill -TERM "$waiting_jail"
        wait_for_jail
        check "SIGTERM to the jail reaches the program" 143 "$jail_status"
    else
        fail "SIGTERM to the jail reaches the program" "the probe did not start"
    fi

    if start_waiting_probe; then
        kill -KILL "$waiting_jail"
        # bash reports the killed job on stderr; that is the expected outcome here.
        wait_for_jail 2> /dev/null
        check "SIGKILL to the jail ends the program" 0 "$(leftover_processes "$probe wait-signal")"
    else
        fail "SIGKILL to the jail ends the program" "the probe did not start"
    fi
}

# The probe's main thread keeps stopping in the jail while 4 other threads idle, so a process
# signal would often land on another thread.
test_signal_main_thread() {
    local round main_thread=0
    for round in 1 2 3 4 5; do
        if start_waiting_probe busy-main-signal 4; then
            sleep 0.2
            kill -INT "$waiting_jail"
            wait_for_jail
            [[ $jail_status -eq 42 ]] && main_thread=$((main_thread + 1))
        fi
    done
    check "SIGINT reaches the main thread (5 rounds)" 5 "$main_thread"
}

test_signal_protection() {
    check "program cannot kill the jail" EPERM "$(jailed -- "$probe" kill parent 9)"
    check "program cannot tkill the jail" EPERM "$(jailed -- "$probe" tkill-parent 9)"
    # SIGWINCH is ignored by default, so a failed check does no harm to the jail's group.
    check "program cannot signal the jail's group" EPERM \
        "$(jailed -- "$probe" kill-parent-group 28)"
    check "program can signal itself" ok "$(jailed -- "$probe" kill 0 0)"
}

test_static_binary() {
    if readelf -l "$jail" | grep --quiet INTERP; then
        fail "jail is statically linked" "readelf shows a program interpreter"
    else
        pass "jail is statically linked"
    fi
    env -i "$jail" --policy "$policies/base.policy" -- /usr/bin/true 2> "$scratch/stderr"
    check "jail runs with an empty environment" 0 $?
}

test_hook() {
    local plain
    plain=$("$cpu_count")
    check "hook returns BACKENDAI_CORE_COUNT" "3 3 3 3" \
        "$(BACKENDAI_CORE_COUNT=3 LD_PRELOAD=$hook "$cpu_count")"
    check "hook passes through when unset" "$plain" "$(LD_PRELOAD=$hook "$cpu_count")"
    local value
    for value in 0 -2 abc 3x "" 99999999999; do
        check "hook passes through for '$value'" "$plain" \
            "$(BACKENDAI_CORE_COUNT=$value LD_PRELOAD=$hook "$cpu_count")"
    done
    if [[ -x /usr/bin/python3 ]]; then
        local cpu_count_code='import os; print(os.cpu_count())'
        check "hook sets Python's os.cpu_count()" 3 \
            "$(BACKENDAI_CORE_COUNT=3 LD_PRELOAD=$hook /usr/bin/python3 -c "$cpu_count_code")"
    fi
    check "hook works under the jail" "5 5 5 5" \
        "$(BACKENDAI_CORE_COUNT=5 LD_PRELOAD=$hook jailed --allow-read "$build" -- "$cpu_count")"
}

# Writes a policy with one directive, and without base.policy, whose lists would conflict.
write_policy() {
    printf 'allow read write exit_group\n%s\n' "$1" > "$scratch/test.policy"
}

# check_rejected NAME DIRECTIVE MESSAGE
check_rejected() {
    local code=0
    write_policy "$2"
    "$jail" --policy "$scratch/test.policy" --print-policy > /dev/null 2> "$scratch/stderr" \
        || code=$?
    check "policy rejects $1" 125 "$code"
    check_contains "policy names the reason for $1" "$scratch/stderr" "$3"
}

test_policies() {
    check_rejected "allow ptrace" "allow ptrace" "may not be allowed"
    check_rejected "allow unshare" "allow unshare" "may not be allowed"
    check_rejected "unchecked openat" "allow openat" "is checked by the jail"
    check_rejected "trace getpid" "trace getpid" "has no check for"
    check_rejected "an unknown system call" "allow opne" "unknown system call"
    check_rejected "a relative path" "read home" "invalid path"
    local policy
    for policy in "$policies"/*.policy; do
        if "$jail" --policy "$policy" --print-policy > /dev/null 2> "$scratch/stderr"; then
            pass "$(basename "$policy") loads"
        else
            fail "$(basename "$policy") loads" "$(cat "$scratch/stderr")"
        fi
    done
    if [[ -x /usr/bin/python3 ]]; then
        check "python.policy runs Python" 42 "$(timeout "$TIMEOUT" "$jail" \
            --policy "$policies/python.policy" -- /usr/bin/python3 -c 'print(6 * 7)' 2>&1)"
    fi
}

test_exit_status
test_denied_syscalls
test_open_rules
test_exec_rules
test_execute_only
test_process_limit
test_signal_forwarding
test_signal_main_thread
test_signal_protection
test_static_binary
test_hook
test_policies

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
