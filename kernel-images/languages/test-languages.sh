#!/usr/bin/env bash
# End-to-end test of the language images with the runner bundle. For each image it starts a kernel
# container the way the agent does (uid 1000, no network, all capabilities dropped, the bundle
# mounted read-only at /opt/kernel), writes the example programs of languages/<runtime type>/
# examples/ into /home/work and drives the runner with RunnerProbe inside the container:
#
# - batch mode: build "*" and exec "*" of examples/hello print the greeting and exit with 0, and
#   those of examples/fail print the expected error and exit with the expected non-zero code.
# - query mode, for images whose ai.backend.features label has "query": the same programs sent as
#   code requests.
#
# The runtime type and the runtime path come from the image labels, as the agent takes them.
# Every container that the script starts is removed when it exits, also on failure.
#
# Usage: languages/test-languages.sh [--only RUNTIME_TYPE] [--bundle DIR]
# Needs the bundle (mvn -pl kernel-images -am package) and the images (build-images.sh).
set -euo pipefail

# Runtime type, image, greeting of examples/hello, then the exit code and a piece of the stderr
# text that examples/fail gives in batch mode. The query mode failure always exits with 1.
LANGUAGES=(
    "c|backendai/c:12-debian12|Hello from C|3|cannot open missing-input.txt: No such file or directory"
    "cpp|backendai/cpp:12-debian12|Hello from C++|134|std::out_of_range"
    "java|backendai/java:17-debian12|Hello from Java|1|java.lang.NumberFormatException: For input string"
    "nodejs|backendai/nodejs:18-debian12|Hello from Node.js|1|SyntaxError: Unexpected token n in JSON"
    "r|backendai/r:4-debian12|Hello from R|1|Error: the input has no rows"
    "go|backendai/go:1.19-debian12|Hello from Go|2|panic: runtime error: index out of range [3] with length 0"
    "rust|backendai/rust:1-debian12|Hello from Rust|101|the input is not a number"
)
# Seconds that the probe waits for the runner to become ready and for each run.
PROBE_TIMEOUT=120

languages_dir=$(cd "$(dirname "$0")" && pwd)
module_dir=$(dirname "$languages_dir")
bundle="$module_dir/target/krunner"
only=""

usage() {
    echo "Usage: $0 [--only RUNTIME_TYPE] [--bundle DIR]"
    echo "  --only RUNTIME_TYPE  test one image: ${LANGUAGES[*]%%|*}"
    echo "  --bundle DIR         runner bundle to mount at /opt/kernel (default $bundle)"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --only|--bundle)
            [[ $# -ge 2 ]] || { echo "Missing the value after $1." >&2; usage >&2; exit 2; }
            if [[ "$1" == --only ]]; then only=$2; else bundle=$2; fi
            shift
            ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

log() { echo "test-languages: $*"; }
die() { echo "test-languages: $*" >&2; exit 1; }

[[ -x "$bundle/bin/entrypoint.sh" && -f "$bundle/runner.jar" ]] \
    || die "no runner bundle in $bundle; run 'mvn -pl kernel-images -am package' first."
docker info >/dev/null 2>&1 || die "Docker is not reachable; start the Docker engine."

containers=()
cleanup() {
    local container
    for container in "${containers[@]}"; do
        docker rm --force "$container" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT
# Turns Ctrl-C and SIGTERM into an exit, which runs the EXIT trap.
trap 'exit 130' INT TERM

passed=0
failed=0
skipped=0
failures=()

pass() {
    passed=$((passed + 1))
    log "PASS $1"
}

fail() {
    failed=$((failed + 1))
    failures+=("$1")
    log "FAIL $1: $2"
}

image_label() {
    docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1"
}

# Prints what RunnerProbe prints, one record per line, and returns its exit code.
probe() {
    local container=$1
    shift
    docker exec "$container" /opt/kernel/jre/bin/java \
        -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -XX:-UsePerfData \
        -cp /opt/kernel/runner.jar ai.backend.kernel.tools.RunnerProbe \
        --host 127.0.0.1 --timeout "$PROBE_TIMEOUT" "$@"
}

# Returns success if the bundle's RunnerProbe has options for batch mode.
probe_has_batch() {
    local usage_text
    usage_text=$(probe "$1" --help 2>&1 || true)
    grep --quiet -- '--operation' <<<"$usage_text"
}

# Runs the default build and then the default exec command, and prints the records of both.
# Returns the build's exit code when the build fails, else the exec's.
run_batch() {
    local build_code=0
    probe "$1" --operation build '*' 2>&1 || build_code=$?
    if [ "$build_code" -ne 0 ]; then
        return "$build_code"
    fi
    probe "$1" --operation exec '*' 2>&1
}

# Copies the files of an example folder into /home/work, after removing what earlier checks
# left there. docker cp would make the files root's, so uid 1000 writes them itself.
install_example() {
    local container=$1 example_dir=$2 file
    docker exec --user 1000 "$container" \
        find /home/work -mindepth 1 -maxdepth 1 ! -name '.*' -exec rm -rf {} +
    for file in "$example_dir"/*; do
        docker exec --interactive --user 1000 "$container" \
            sh -c 'cat > "/home/work/$1"' sh "$(basename "$file")" < "$file"
    done
}

show() { sed 's/^/    /' <<<"$1"; }

# Waits until the runner in the container has logged its start line, and returns failure if the
# container stops or 60 s pass first.
wait_for_runner() {
    local container=$1 attempt
    for attempt in $(seq 1 120); do
        if docker logs "$container" 2>&1 | grep --quiet 'Kernel runner started'; then
            return 0
        fi
        [[ $(docker inspect --format '{{.State.Running}}' "$container") == true ]] || return 1
        sleep 0.5
    done
    return 1
}

# Prints the payloads of one stream's records in the probe's output joined into one line, still
# JSON-escaped. The runner passes batch output on in the pieces it reads, so a message can span
# two records.
stream_text() {
    grep "^$2 \"" <<<"$1" | sed -e "s/^$2 \"//" -e 's/"$//' | tr -d '\n' || true
}

# check NAME OUTPUT EXIT_CODE EXPECTED_EXIT_CODE EXPECTED_TEXT STREAM
# Passes if the exit code matches and the text of the given stream ("stdout" or "stderr")
# contains the expected text, which must have no characters that JSON escapes.
check() {
    local name=$1 output=$2 exit_code=$3 expected_exit=$4 text=$5 stream=$6
    show "$output"
    if [[ $exit_code -ne $expected_exit ]]; then
        fail "$name" "exit code $exit_code, expected $expected_exit"
    elif ! stream_text "$output" "$stream" | grep --quiet --fixed-strings -- "$text"; then
        fail "$name" "the $stream text does not contain: $text"
    else
        pass "$name"
    fi
}

test_language() {
    local language=$1 image=$2 greeting=$3 fail_exit=$4 fail_text=$5
    local runtime_type runtime_path features container output exit_code
    local failed_before=$failed

    if ! docker image inspect "$image" >/dev/null 2>&1; then
        skipped=$((skipped + 1))
        log "SKIP $language: image $image is missing; run build-images.sh --only $language"
        return
    fi
    runtime_type=$(image_label "$image" ai.backend.runtime-type)
    runtime_path=$(image_label "$image" ai.backend.runtime-path)
    features=$(image_label "$image" ai.backend.features)
    [[ "$runtime_type" == "$language" ]] \
        || fail "$language labels" "ai.backend.runtime-type is '$runtime_type'"

    container="backendai-langtest-$language-$$"
    containers+=("$container")
    docker run --detach --name "$container" --init \
        --user 1000:1000 --network none --cap-drop ALL --security-opt no-new-privileges \
        --volume "$bundle:/opt/kernel:ro" \
        --env BACKENDAI_RUNTIME_TYPE="$runtime_type" \
        --env BACKENDAI_RUNTIME_PATH="$runtime_path" \
        "$image" /opt/kernel/bin/entrypoint.sh >/dev/null
    log "started $container from $image ($runtime_type, $runtime_path, features: $features)"
    if ! wait_for_runner "$container"; then
        fail "$language runner start" "the runner did not log its start; the container log follows"
        docker logs "$container" 2>&1 | tail -n 20 | sed 's/^/    log: /'
        docker rm --force "$container" >/dev/null
        return
    fi
    pass "$language runner start"

    local example
    if probe_has_batch "$container"; then
        for example in hello fail; do
            install_example "$container" "$languages_dir/$language/examples/$example"
            exit_code=0
            output=$(run_batch "$container") || exit_code=$?
            if [[ $example == hello ]]; then
                check "$language batch hello" "$output" "$exit_code" 0 "$greeting" stdout
            else
                check "$language batch fail" "$output" "$exit_code" "$fail_exit" "$fail_text" stderr
            fi
        done
    else
        skipped=$((skipped + 2))
        log "SKIP $language batch hello, $language batch fail: RunnerProbe in $bundle has no" \
            "batch option (--operation)"
    fi

    if [[ " $features " == *" query "* ]]; then
        local source_file
        for example in hello fail; do
            install_example "$container" "$languages_dir/$language/examples/$example"
            source_file=$(find "$languages_dir/$language/examples/$example" -type f | head -n 1)
            exit_code=0
            output=$(probe "$container" "$(cat "$source_file")" 2>&1) || exit_code=$?
            if [[ $example == hello ]]; then
                check "$language query hello" "$output" "$exit_code" 0 "$greeting" stdout
            else
                check "$language query fail" "$output" "$exit_code" 1 "${fail_text#Error: }" stderr
            fi
        done
    fi

    if [[ $failed -gt $failed_before ]]; then
        docker logs "$container" 2>&1 | tail -n 20 | sed 's/^/    log: /'
    fi
    docker rm --force "$container" >/dev/null
}

start=$SECONDS
for entry in "${LANGUAGES[@]}"; do
    IFS='|' read -r language image greeting fail_exit fail_text <<<"$entry"
    [[ -z "$only" || "$only" == "$language" ]] || continue
    test_language "$language" "$image" "$greeting" "$fail_exit" "$fail_text"
done
[[ -z "$only" || $((passed + failed + skipped)) -gt 0 ]] || die "unknown runtime type '$only'."

log "finished in $((SECONDS - start)) s"
for name in "${failures[@]}"; do
    log "failed: $name"
done
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
