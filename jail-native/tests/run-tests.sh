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
    check "another process's root link fails" EPERM \
        "$(jailed -- "$probe" open /proc/1/root/etc/hostname r)"
    check "another process's cwd link fails" EPERM "$(jailed -- "$probe" open /proc/1/cwd r)"
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

# An execute-only program would run not dumpable, so the jail could not read its memory: the
# jail refuses to run it. Root can read every file, so as root the test runs as the user nobody
# (uid 65534).
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
    check "execute-only program is refused" 126 "$code"
    check_contains "execute-only program is reported" "$scratch/stderr" \
        "which its user can run but not read"
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
    check "a thread opens its own /proc/TID" ok "$(jailed -- "$probe" thread-own-proc)"
    check "pidfd_send_signal fails with EPERM" EPERM "$(jailed -- "$probe" pidfd-signal-self)"
    check "--oom-score-adj reaches the program's children" 1000 \
        "$(jailed --oom-score-adj 1000 -- /bin/sh -c 'cat /proc/self/oom_score_adj')"
    check "invalid --oom-score-adj is refused" 125 \
        "$(jailed --oom-score-adj 1001 -- /bin/true; echo $?)"
    check "an untraced child process fails" EPERM "$(jailed -- "$probe" clone-untraced 0)"
    check "an untraced thread fails" EPERM "$(jailed -- "$probe" clone-untraced 1)"
    check "an untraced child runs in watch mode" ok "$(jailed --watch -- "$probe" clone-untraced 0)"
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

# The network tests run in a new network namespace with only loopback, where unshare can make
# one, so that nothing that the jail lets through by mistake reaches another host. The tests that
# let a call to a non-loopback address run (watch mode) need it and are skipped without it.
network_wrapper=()
if command -v ip > /dev/null; then
    for unshare_options in "--net" "--net --map-root-user"; do
        # shellcheck disable=SC2086 # the options are two words
        if unshare $unshare_options sh -c 'ip link set lo up' 2> /dev/null; then
            # shellcheck disable=SC2086
            network_wrapper=(unshare $unshare_options sh -c 'ip link set lo up && exec "$@"' sh)
            break
        fi
    done
fi

# Runs the jail like jailed, in the network namespace if there is one.
net_jailed() {
    timeout "$TIMEOUT" "${network_wrapper[@]}" "$jail" --policy "$policies/base.policy" \
        --allow-exec "$build/tests" "$@" 2> "$scratch/stderr"
}

# AF_PACKET is 17, AF_ALG 38, AF_UNIX 1 and AF_NETLINK 16; SOCK_STREAM is 1, SOCK_DGRAM 2,
# SOCK_RAW 3 and SOCK_SEQPACKET 5.
test_socket_families() {
    check "AF_PACKET socket fails with EPERM" EPERM "$(net_jailed -- "$probe" socket 17 3)"
    check "AF_ALG socket fails with EPERM" EPERM "$(net_jailed -- "$probe" socket 38 5)"
    check "AF_ALG socketpair fails with EPERM" EPERM "$(net_jailed -- "$probe" socketpair 38)"
    check "AF_UNIX socket works" ok "$(net_jailed -- "$probe" socket 1 1)"
    check "AF_UNIX socketpair works" ok "$(net_jailed -- "$probe" socketpair 1)"
    check "AF_NETLINK socket works" ok "$(net_jailed -- "$probe" socket 16 2)"
    local unjailed
    unjailed=$("${network_wrapper[@]}" "$probe" socket 38 5)
    check "watch: AF_ALG socket runs" "$unjailed" "$(net_jailed --watch -- "$probe" socket 38 5)"
    check_contains "watch: AF_ALG socket is logged" "$scratch/stderr" \
        "jail: watch: would deny socket of family 38 (alg) in pid"
    check "policy prints socket-families" "socket-families unix netlink inet inet6" \
        "$("$jail" --policy "$policies/base.policy" --print-policy | grep '^socket-families')"
}

# 192.0.2.1 and 2001:db8::1 are documentation addresses (TEST-NET-1, RFC 5737 and RFC 3849).
# Port 9 (discard) has no listener, so an allowed TCP connect to loopback ends with ECONNREFUSED.
test_network_loopback() {
    check "connect to 127.0.0.1 listener works" ok \
        "$(net_jailed -- "$probe" listen-connect 127.0.0.1)"
    # /proc/net/if_inet6 exists when the kernel has IPv6.
    if [[ -e /proc/net/if_inet6 ]]; then
        check "connect to ::1 listener works" ok "$(net_jailed -- "$probe" listen-connect ::1)"
    fi

    check "connect to 127.0.0.2 is allowed" ECONNREFUSED \
        "$(net_jailed -- "$probe" connect 127.0.0.2 9)"
    check "connect to ::ffff:127.0.0.1 is allowed" ECONNREFUSED \
        "$(net_jailed -- "$probe" connect ::ffff:127.0.0.1 9)"
    check "connect to 192.0.2.1 fails with EPERM" EPERM \
        "$(net_jailed -- "$probe" connect 192.0.2.1 80)"
    check_contains "denied connect is logged" "$scratch/stderr" \
        "jail: denied connect to 192.0.2.1:80 (not a loopback address) in pid"
    check "connect to 2001:db8::1 fails with EPERM" EPERM \
        "$(net_jailed -- "$probe" connect 2001:db8::1 80)"
    check "connect to ::ffff:192.0.2.1 fails" EPERM \
        "$(net_jailed -- "$probe" connect ::ffff:192.0.2.1 80)"

    check "sendto 127.0.0.1 works" ok "$(net_jailed -- "$probe" sendto 127.0.0.1 9)"
    check "sendto 192.0.2.1 fails with EPERM" EPERM "$(net_jailed -- "$probe" sendto 192.0.2.1 53)"
    check_contains "denied sendto is logged" "$scratch/stderr" \
        "jail: denied sendto to 192.0.2.1:53 (not a loopback address)"
    check "AF_UNSPEC sendto 192.0.2.1 fails" EPERM \
        "$(net_jailed -- "$probe" sendto-unspec 192.0.2.1 53)"
    check "send on connected UDP socket works" ok \
        "$(net_jailed -- "$probe" send-connected 127.0.0.1 9)"

    check "sendmsg to 127.0.0.1 works" ok "$(net_jailed -- "$probe" sendmsg 127.0.0.1 9)"
    check "sendmsg to 192.0.2.1 fails with EPERM" EPERM \
        "$(net_jailed -- "$probe" sendmsg 192.0.2.1 53)"
    check_contains "denied sendmsg is logged" "$scratch/stderr" \
        "jail: denied sendmsg to 192.0.2.1:53 (not a loopback address)"
    check "sendmmsg to loopback works" ok "$(net_jailed -- "$probe" sendmmsg 127.0.0.2 9)"
    check "sendmmsg to 192.0.2.1 fails" EPERM "$(net_jailed -- "$probe" sendmmsg 192.0.2.1 53)"
    check_contains "denied sendmmsg is logged" "$scratch/stderr" \
        "jail: denied sendmmsg to 192.0.2.1:53 (not a loopback address)"

    if [[ -x /usr/bin/python3 ]]; then
        check "Unix socket connect works" ok \
            "$(net_jailed -- /usr/bin/python3 -c "import socket
s = socket.socket(socket.AF_UNIX); s.bind('$scratch/unix.sock'); s.listen()
c = socket.socket(socket.AF_UNIX); c.connect('$scratch/unix.sock'); print('ok')")"
    fi
}

# Watch mode lets the calls run, so a call to a non-loopback address is made only in the network
# namespace, where it fails with ENETUNREACH without sending anything.
test_network_watch() {
    if [[ -z "${network_wrapper[*]}" ]]; then
        echo "SKIP watch mode of the network checks: unshare --net is not available"
        return
    fi
    check "watch: connect to 192.0.2.1 runs" ENETUNREACH \
        "$(net_jailed --watch -- "$probe" connect 192.0.2.1 80)"
    check_contains "watch: connect is logged" "$scratch/stderr" \
        "jail: watch: would deny connect to 192.0.2.1:80 (not a loopback address) in pid"
    check "watch: sendto 192.0.2.1 runs" ENETUNREACH \
        "$(net_jailed --watch -- "$probe" sendto 192.0.2.1 53)"
    check_contains "watch: sendto is logged" "$scratch/stderr" \
        "jail: watch: would deny sendto to 192.0.2.1:53 (not a loopback address)"
    check "watch: sendmsg 192.0.2.1 runs" ENETUNREACH \
        "$(net_jailed --watch -- "$probe" sendmsg 192.0.2.1 53)"
    check_contains "watch: sendmsg is logged" "$scratch/stderr" \
        "jail: watch: would deny sendmsg to 192.0.2.1:53 (not a loopback address)"
    check "watch: sendmmsg 192.0.2.1 runs" "sent 1 of 2" \
        "$(net_jailed --watch -- "$probe" sendmmsg 192.0.2.1 53)"
    check_contains "watch: sendmmsg is logged" "$scratch/stderr" \
        "jail: watch: would deny sendmmsg to 192.0.2.1:53 (not a loopback address)"
    check "--network: connect to 192.0.2.1 runs" ENETUNREACH \
        "$(net_jailed --network -- "$probe" connect 192.0.2.1 80)"
    check "--network: nothing is logged" "" "$(cat "$scratch/stderr")"
}

test_network_options() {
    check "--network prints network any" "network any" \
        "$("$jail" --policy "$policies/base.policy" --network --print-policy | grep '^network')"
    check "policy defaults to network loopback" "network loopback" \
        "$("$jail" --policy "$policies/base.policy" --print-policy | grep '^network')"
    check "--network: loopback connect works" ok \
        "$(net_jailed --network -- "$probe" listen-connect 127.0.0.1)"
    check "--deny-port denies loopback connect" EPERM \
        "$(net_jailed --deny-port 9 -- "$probe" connect 127.0.0.1 9)"
    check_contains "denied port is logged" "$scratch/stderr" \
        "jail: denied connect to 127.0.0.1:9 (a denied port) in pid"
    check "--deny-port denies ::1 connect" EPERM \
        "$(net_jailed --deny-port 9 -- "$probe" connect ::1 9)"
    check "--deny-port applies with --network" EPERM \
        "$(net_jailed --network --deny-port 9 -- "$probe" connect 127.0.0.1 9)"
    check "--deny-port denies sendto" EPERM \
        "$(net_jailed --network --deny-port 9 -- "$probe" sendto 127.0.0.1 9)"
    check "--deny-port keeps other ports" ECONNREFUSED \
        "$(net_jailed --deny-port 9 -- "$probe" connect 127.0.0.1 7)"
    check "watch: denied port runs" ECONNREFUSED \
        "$(net_jailed --watch --deny-port 9 -- "$probe" connect 127.0.0.1 9)"
    check_contains "watch: denied port is logged" "$scratch/stderr" \
        "jail: watch: would deny connect to 127.0.0.1:9 (a denied port) in pid"
    check "--print-policy shows denied ports" "deny-port 2000 2001" \
        "$("$jail" --policy "$policies/base.policy" --deny-port 2000 --deny-port 2001 \
            --print-policy | grep '^deny-port')"
    local code=0
    "$jail" --policy "$policies/base.policy" --deny-port 70000 --print-policy > /dev/null \
        2> "$scratch/stderr" || code=$?
    check "--deny-port rejects port 70000" 125 "$code"
}

# kill(-1) would reach the jail and the runner, which run as the same user. kill(0) reaches only
# the program's own process group, because the jail and its parent are not in it.
test_kill_everyone() {
    check "kill(-1, SIGKILL) fails with EPERM" "EPERM
exit 0" "$("$probe" spawn "$jail" --policy "$policies/base.policy" --allow-exec "$build/tests" \
        -- "$probe" kill -1 9 2> /dev/null)"
    check "kill(0, SIGKILL) ends only the program" "exit 137" \
        "$("$probe" spawn "$jail" --policy "$policies/base.policy" --allow-exec "$build/tests" \
            -- "$probe" kill 0 9 2> /dev/null)"
    check "kill(0) in the jail's group fails" EPERM \
        "$(jailed -- "$probe" join-parent-group-kill 9)"
}

# A daemon that the program detached with setsid and a second fork must not outlive the jail.
test_daemon_ends() {
    local daemon state
    daemon=$(jailed -- "$probe" daemon)
    check "daemon: jail exits with the program" 0 $?
    if [[ ! "$daemon" =~ ^[0-9]+$ ]]; then
        fail "daemon: gone when the jail returns" "probe output: $daemon"
        return
    fi
    state=$(awk '{print $3}' "/proc/$daemon/stat" 2> /dev/null || true)
    if [[ -z "$state" || "$state" == Z || "$state" == X ]]; then
        pass "daemon: gone when the jail returns"
    else
        fail "daemon: gone when the jail returns" "pid $daemon is in state $state"
        kill -KILL "$daemon" 2> /dev/null
    fi
    daemon=$(jailed -- /bin/sh -c "$probe daemon")
    state=$(awk '{print $3}' "/proc/$daemon/stat" 2> /dev/null || true)
    if [[ -z "$state" || "$state" == Z || "$state" == X ]]; then
        pass "daemon of sh -c: gone when the jail returns"
    else
        fail "daemon of sh -c: gone when the jail returns" "pid $daemon is in state $state"
        kill -KILL "$daemon" 2> /dev/null
    fi
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
    check_rejected "unchecked connect" "allow connect" "is checked by the jail"
    check_rejected "an unknown address family" "socket-families unix wifi" \
        "unknown address family 'wifi'"
    check_rejected "an invalid network mode" "network open" "expected 'network loopback'"
    check_rejected "port 0" "deny-port 0" "invalid port '0'"
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

# bai-init, PID 1 of kernel containers: the command's status and forwarded signals. That it is
# not dumpable is checked in a container by the agent's ContainerHardeningDockerTest.
test_init() {
    local init="$build/bai-init" code=0
    timeout "$TIMEOUT" "$init" /bin/sh -c 'exit 7' || code=$?
    check "bai-init exits with the command's status" 7 "$code"
    code=0
    timeout "$TIMEOUT" "$init" /nonexistent/command 2> "$scratch/stderr" || code=$?
    check "bai-init reports a missing command" 127 "$code"
    "$init" /bin/sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' \
        > "$scratch/init-out" &
    local pid=$!
    for _ in $(seq 1 50); do
        [[ -s "$scratch/init-out" ]] && break
        sleep 0.1
    done
    kill -TERM "$pid"
    code=0
    wait "$pid" || code=$?
    check "bai-init passes SIGTERM on" 42 "$code"
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
test_kill_everyone
test_daemon_ends
test_socket_families
test_network_loopback
test_network_watch
test_network_options
test_static_binary
test_hook
test_policies
test_init

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
