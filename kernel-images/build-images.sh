#!/usr/bin/env bash
# Builds the kernel images from Debian packages:
#
#   backendai/base:debian12         Debian bookworm minbase made by debootstrap
#   backendai/python:3.11-debian12  python/Dockerfile on top of the base image
#   backendai/<language>:<version>  languages/<language>/Dockerfile, listed in LANGUAGE_IMAGES
#
# An image that already exists is kept unless --force is given. Needs root (for debootstrap),
# a reachable Docker engine and access to http://deb.debian.org.
set -euo pipefail

BASE_IMAGE=backendai/base:debian12
PYTHON_IMAGE=backendai/python:3.11-debian12
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
# Images built from languages/<runtime type>/Dockerfile, as runtime type=image.
LANGUAGE_IMAGES=(
    c=backendai/c:12-debian12
    cpp=backendai/cpp:12-debian12
    java=backendai/java:17-debian12
    nodejs=backendai/nodejs:18-debian12
    r=backendai/r:4-debian12
    go=backendai/go:1.19-debian12
    rust=backendai/rust:1-debian12
)

usage() {
    echo "Usage: $0 [--force] [--only NAME]"
    echo "  --force      rebuild images that already exist"
    echo "  --only NAME  build only this image, and the base image if it is missing; NAME is base,"
    echo "               python or a runtime type from LANGUAGE_IMAGES (${LANGUAGE_IMAGES[*]%%=*});"
    echo "               images on top of a rebuilt base image stay stale until they are rebuilt"
}

force=0
only=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --force) force=1 ;;
        --only)
            [[ $# -ge 2 ]] || { echo "Missing the NAME after --only." >&2; usage >&2; exit 2; }
            only=$2
            shift
            ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [[ -n "$only" && ! " base python ${LANGUAGE_IMAGES[*]%%=*} " =~ " $only " ]]; then
    echo "Unknown image name '$only' after --only." >&2
    usage >&2
    exit 2
fi

module_dir=$(cd "$(dirname "$0")" && pwd)
build_dir="$module_dir/build"
rootfs="$build_dir/debootstrap-$SUITE"

log() { echo "build-images: $*"; }
die() { echo "build-images: $*" >&2; exit 1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_size() {
    local bytes
    bytes=$(docker image inspect --format '{{.Size}}' "$1")
    echo "$((bytes / 1024 / 1024)) MiB"
}

# Removes the debootstrap folder, unmounting anything debootstrap left mounted inside it first,
# so that rm never descends into /proc or /sys.
remove_rootfs() {
    [[ -d "$rootfs" ]] || return 0
    local mounts
    mounts=$(findmnt --list --noheadings --output TARGET | grep -F "$rootfs/" | sort -r || true)
    for mount_point in $mounts; do
        umount --lazy "$mount_point"
    done
    rm -rf --one-file-system "$rootfs"
}

build_base() {
    [[ $(id -u) -eq 0 ]] || die "debootstrap needs root; run $0 as root."
    if ! command -v debootstrap >/dev/null; then
        mkdir -p "$build_dir"
        log "installing Debian's debootstrap"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; } \
            > "$build_dir/apt-debootstrap.log" 2>&1 \
            || die "cannot install debootstrap; see $build_dir/apt-debootstrap.log."
    fi
    local start=$SECONDS
    log "building $BASE_IMAGE: debootstrap --variant=minbase $SUITE from $MIRROR"
    remove_rootfs
    mkdir -p "$build_dir"
    trap remove_rootfs EXIT
    if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" > "$build_dir/debootstrap.log" 2>&1; then
        tail -n 20 "$build_dir/debootstrap.log" >&2
        die "debootstrap failed; the full log is $build_dir/debootstrap.log."
    fi
    cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
    # Package lists and downloaded packages are stale in an image, and Docker provides
    # resolv.conf and hostname to each container.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    log "importing the root file system into Docker"
    tar --numeric-owner -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'LABEL ai.backend.base-distro=debian12' \
        --change 'CMD ["/bin/bash"]' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR" \
        - "$BASE_IMAGE" >/dev/null
    remove_rootfs
    trap - EXIT
    log "built $BASE_IMAGE in $((SECONDS - start)) s ($(image_size "$BASE_IMAGE"))"
}

build_python() {
    local start=$SECONDS
    log "building $PYTHON_IMAGE from python/Dockerfile"
    docker build --tag "$PYTHON_IMAGE" "$module_dir/python"
    log "built $PYTHON_IMAGE in $((SECONDS - start)) s ($(image_size "$PYTHON_IMAGE"))"
}

# Builds languages/<language>/Dockerfile. The output goes to build/<language>.log, and its end is
# shown if the build fails.
build_language() {
    local language=$1 image=$2 start=$SECONDS
    local log_file="$build_dir/$language.log"
    log "building $image from languages/$language/Dockerfile (output in $log_file)"
    mkdir -p "$build_dir"
    if ! docker build --tag "$image" "$module_dir/languages/$language" > "$log_file" 2>&1; then
        tail -n 30 "$log_file" >&2
        die "building $image failed; the full output is $log_file."
    fi
    log "built $image in $((SECONDS - start)) s ($(image_size "$image"))"
}

if ! docker_error=$(docker info 2>&1 >/dev/null); then
    echo "build-images: docker info failed: ${docker_error%%$'\n'*}" >&2
    die "Docker is not reachable; start the Docker engine or set DOCKER_HOST."
fi

# Returns success if --only selects NAME or is not given.
selected() { [[ -z "$only" || "$only" == "$1" ]]; }

rebuilt_base=0
if ! image_exists "$BASE_IMAGE"; then
    build_base
    rebuilt_base=1
elif [[ $force -eq 0 ]] || ! selected base; then
    log "$BASE_IMAGE exists ($(image_size "$BASE_IMAGE")); skipping it (use --force to rebuild)"
else
    build_base
    rebuilt_base=1
fi

# A new base image makes the Python image stale, so it is rebuilt too.
if ! selected python; then
    :
elif [[ $force -eq 0 && $rebuilt_base -eq 0 ]] && image_exists "$PYTHON_IMAGE"; then
    log "$PYTHON_IMAGE exists ($(image_size "$PYTHON_IMAGE")); skipping it (use --force to rebuild)"
else
    build_python
fi

# Language images: the same rules as for the Python image.
for entry in "${LANGUAGE_IMAGES[@]}"; do
    language=${entry%%=*}
    image=${entry#*=}
    selected "$language" || continue
    if [[ $force -eq 0 && $rebuilt_base -eq 0 ]] && image_exists "$image"; then
        log "$image exists ($(image_size "$image")); skipping it (use --force to rebuild)"
    else
        build_language "$language" "$image"
    fi
done
log "finished in $SECONDS s"
