#!/usr/bin/env bash
# Measures the jail's overhead: the same programs with and without the jail, interleaved, in one
# run. Prints the best and the median of ROUNDS runs of each, in milliseconds, and the cost of
# one traced open in microseconds.
#
# Usage: tests/benchmark.sh BUILD_DIR [ROUNDS]
# Needs /usr/bin/python3 and the test programs (make test builds them).
set -euo pipefail

[[ $# -ge 1 ]] || { echo "Usage: $0 BUILD_DIR [ROUNDS]" >&2; exit 2; }
build=$(cd "$1" && pwd)
rounds=${2:-10}
jail=("$build/jail" --policy "$build/policies/python.policy" --allow-exec "$build/tests" --)
python=/usr/bin/python3
print_loop='for i in range(1000000): print(i)'

# Prints the wall time of a command in milliseconds; its output goes through a pipe to cat.
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" | cat > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

# Prints "best median" of the numbers on stdin.
best_median() {
    sort -n | awk '{ values[NR] = $1 } END { print values[1], values[int((NR + 1) / 2)] }'
}

declare -A samples
measure() {
    local name=$1
    shift
    samples[$name]+="$(time_ms "$@")"$'\n'
}

for _ in $(seq "$rounds"); do
    measure "pass plain" "$python" -c pass
    measure "pass jail" "${jail[@]}" "$python" -c pass
    measure "print plain" "$python" -c "$print_loop"
    measure "print jail" "${jail[@]}" "$python" -c "$print_loop"
    measure "print-u plain" "$python" -u -c "$print_loop"
    measure "print-u jail" "${jail[@]}" "$python" -u -c "$print_loop"
done

columns='%-55s %18s %18s\n'
printf "$columns" "program (ms: best / median of $rounds)" "without the jail" "under the jail"
row() {
    local label=$1 key=$2 plain_best plain_median jail_best jail_median
    read -r plain_best plain_median <<< "$(printf '%s' "${samples[$key plain]}" | best_median)"
    read -r jail_best jail_median <<< "$(printf '%s' "${samples[$key jail]}" | best_median)"
    printf "$columns" "$label" "$plain_best / $plain_median" "$jail_best / $jail_median"
}
row "python3 -c pass" pass
row "python3: print 1,000,000 lines to a pipe (buffered)" print
row "python3 -u: print 1,000,000 lines (1,000,000 writes)" print-u

plain_open=$("$build/tests/probe" open-loop 20000 /etc/hostname)
jail_open=$("${jail[@]}" "$build/tests/probe" open-loop 20000 /etc/hostname)
printf "$columns" "one open of /etc/hostname (us, mean of 20,000)" "$plain_open" "$jail_open"
