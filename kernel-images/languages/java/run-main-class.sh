#!/bin/sh
# Runs the compiled Java class that has the main method, with the script's arguments. It is the
# default exec command of the Java kernel image and runs in the working directory after the
# default build (javac -d . *.java), so the class files sit in folders that match their packages.
#
# Rule: if ./Main.class exists, it runs Main. Otherwise javap lists the top-level classes under
# the working directory, and the one class with "public static void main(String[])" runs. No
# such class, or more than one, is an error that names the classes found.
set -eu

if [ -f Main.class ]; then
    exec java -cp . Main "$@"
fi

# Class names from the paths, without nested classes (Outer$Inner.class).
classes=$(find . -name '*.class' ! -name '*$*' \
    | sed -e 's|^\./||' -e 's|\.class$||' -e 's|/|.|g' | sort)
if [ -z "$classes" ]; then
    echo "run-main-class: no class files in $(pwd); build first, for example with:" \
        "javac -d . *.java" >&2
    exit 1
fi

# javap prints one block per class: a header line such as "public class app.Hello {" and then
# one indented line per member. The header's word after class, interface, enum or record is
# the class name.
# shellcheck disable=SC2086 # one argument per class name
mains=$(javap -cp . $classes | awk '
    /^[^ ].*\{$/ {
        current = ""
        for (i = 1; i < NF; i++) {
            if ($i == "class" || $i == "interface" || $i == "enum" || $i == "record") {
                current = $(i + 1)
                sub(/<.*/, "", current)
                break
            }
        }
    }
    /^  public static void main\(java\.lang\.String(\[\]|\.\.\.)\);$/ && current != "" {
        print current
    }')

count=$(printf '%s' "$mains" | grep -c . || true)
if [ "$count" -eq 1 ]; then
    exec java -cp . "$mains" "$@"
fi
if [ "$count" -eq 0 ]; then
    echo "run-main-class: none of these classes has public static void main(String[]):" $classes >&2
else
    echo "run-main-class: several classes have a main method:" $mains >&2
    first=$(printf '%s\n' "$mains" | head -n 1)
    echo "run-main-class: name one in the exec command, for example: java -cp . $first" >&2
fi
exit 1
