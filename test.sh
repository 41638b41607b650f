#!/usr/bin/env bash
# Runs every test: every kernel image's example programs, unit tests of each module, the
# runner and agent tests on the real Docker engine, and the Arquillian integration tests
# (managed WildFly on PostgreSQL, a real agent).
# Installs and starts Docker and PostgreSQL when they are missing (needs root for that).
set -euo pipefail
cd "$(dirname "$0")"

scripts/ensure-docker.sh
scripts/ensure-build-tools.sh
scripts/ensure-postgresql.sh backendai_it

echo "== Building the modules and the runner bundle"
mvn -B -ntp install -DskipTests -DskipITs

echo "== Building the kernel images"
kernel-images/build-images.sh

echo "== Running hello-world and failing programs in every kernel image"
kernel-images/languages/test-languages.sh

echo "== Running the tests"
mvn -B -ntp verify "$@"
