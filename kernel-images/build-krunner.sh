#!/usr/bin/env bash
# Assembles the runner bundle that kernel containers mount read-only at /opt/kernel:
#
#   jre/                     Java runtime made by jlink with only the modules runner.jar needs
#   runner.jar               the shaded kernel runner
#   bin/entrypoint.sh        the container command that starts the runner
#   drivers/<runtime type>/  the language drivers
#   jail/                    the jail, bai-init, the two libraries and the policies, from
#                            jail-native/build (set JAIL_BUILD_DIR to take them from elsewhere)
#
# Maven runs this in the package phase. The jre/ folder is rebuilt only when the module list,
# the JDK or the jlink options change.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "Usage: $0 RUNNER_JAR OUTPUT_DIR" >&2
    exit 2
fi
runner_jar=$1
out=$2
module_dir=$(cd "$(dirname "$0")" && pwd)
jail_build=${JAIL_BUILD_DIR:-$module_dir/../jail-native/build}

if [[ -z "${JAVA_HOME:-}" ]]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
# Maven passes java.home, which is the JDK itself for JDK 9 and later.
jdeps="$JAVA_HOME/bin/jdeps"
jlink="$JAVA_HOME/bin/jlink"
for tool in "$jdeps" "$jlink"; do
    if [[ ! -x "$tool" ]]; then
        echo "Missing $tool; build the bundle with a full JDK 17, not a JRE." >&2
        exit 1
    fi
done
for file in jail bai-init libbaihook.so libbainodump.so policies/default.policy; do
    if [[ ! -f "$jail_build/$file" ]]; then
        echo "Missing $jail_build/$file; build it with 'make -C jail-native' or" \
            "'mvn -pl jail-native compile'." >&2
        exit 1
    fi
done
if [[ ! -f "$runner_jar" ]]; then
    echo "Missing $runner_jar; run 'mvn package' so the shaded jar exists." >&2
    exit 1
fi

modules=$("$jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$runner_jar")
jlink_options=(--strip-debug --no-header-files --no-man-pages --generate-cds-archive)
# The stamp sits beside the bundle, not in it, because the bundle contains only what containers use.
stamp_file="$out.jre-stamp"
jdk_version=$(sed -n 's/^JAVA_RUNTIME_VERSION=//p' "$JAVA_HOME/release")
stamp="modules=$modules jdk=$JAVA_HOME $jdk_version options=${jlink_options[*]}"

mkdir -p "$out"
if [[ -d "$out/jre" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    echo "krunner: jre/ is up to date (modules $modules)"
else
    echo "krunner: building jre/ with jlink (modules $modules)"
    start=$SECONDS
    rm -rf "$out/jre" "$out/jre.tmp" "$stamp_file"
    "$jlink" --add-modules "$modules" "${jlink_options[@]}" --output "$out/jre.tmp"
    # The archive for uncompressed object pointers only serves heaps of 32 GiB and more, and
    # entrypoint.sh caps the heap at 64 MiB.
    rm -f "$out/jre.tmp/lib/server/classes_nocoops.jsa"
    mv "$out/jre.tmp" "$out/jre"
    echo "$stamp" > "$stamp_file"
    echo "krunner: jre/ built in $((SECONDS - start)) s ($(du -sh "$out/jre" | cut -f1))"
fi

# Running kernels mount this folder, so files are replaced by renaming new copies over them:
# a runner that has the old runner.jar open keeps reading it, never a half-written one.
if ! cmp -s "$runner_jar" "$out/runner.jar"; then
    cp "$runner_jar" "$out/runner.jar.tmp"
    mv -f "$out/runner.jar.tmp" "$out/runner.jar"
fi
rm -rf "$out/bin.new" "$out/drivers.new" "$out/jail.new" "$out/bin.old" "$out/drivers.old" \
    "$out/jail.old"
cp -R "$module_dir/bundle/bin" "$out/bin.new"
mkdir -p "$out/jail.new/policies"
cp "$jail_build/jail" "$jail_build/bai-init" "$jail_build/libbaihook.so" "$jail_build/libbainodump.so" \
    "$out/jail.new/"
cp "$jail_build"/policies/*.policy "$out/jail.new/policies/"
cp -R "$module_dir/drivers" "$out/drivers.new"
# Each languages/<runtime type>/ folder adds its query mode driver (driver.*) and its default
# batch commands (batch.properties) to drivers/<runtime type>/.
for file in "$module_dir"/languages/*/driver.* "$module_dir"/languages/*/batch.properties; do
    [[ -f "$file" ]] || continue
    language_dir="$out/drivers.new/$(basename "$(dirname "$file")")"
    mkdir -p "$language_dir"
    cp "$file" "$language_dir/"
done
for name in bin drivers jail; do
    if [[ -d "$out/$name" ]]; then
        mv "$out/$name" "$out/$name.old"
    fi
    mv "$out/$name.new" "$out/$name"
    rm -rf "$out/$name.old"
done
# Containers run the runner as uid 1000, which must read everything and run the scripts.
chmod -R a+rX "$out"
chmod a+rx "$out/bin/entrypoint.sh"
echo "krunner: bundle ready in $out ($(du -sh "$out" | cut -f1))"
