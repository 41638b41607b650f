#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on 127.0.0.1:5432 with the role and database that the
# integration tests use: installs Debian's postgresql when it is missing, starts the cluster,
# and recreates the database so that every run starts empty.
#
# Usage: ensure-postgresql.sh [DATABASE] (default backendai_it; role and password backendai)
set -euo pipefail

database=${1:-backendai_it}
role=backendai

if ! ls /usr/lib/postgresql/*/bin/postgres > /dev/null 2>&1; then
    echo "Installing Debian's postgresql (needs root)"
    apt-get update -q > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql > /dev/null
fi
if ! pg_lsclusters -h | grep -q .; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$version" main > /dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != "online" ]; then
    echo "Starting PostgreSQL $version/$cluster on port $port"
    pg_ctlcluster "$version" "$cluster" start
fi
for _ in $(seq 1 30); do
    su postgres -c "psql -p $port -qAtc 'select 1'" > /dev/null 2>&1 && break
    sleep 1
done
psql_admin() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qAt $*"; }
if [ -z "$(psql_admin "-c \"select 1 from pg_roles where rolname = '$role'\"")" ]; then
    psql_admin "-c \"create role $role login password '$role'\""
fi
psql_admin "-c \"drop database if exists $database with (force)\""
psql_admin "-c \"create database $database owner $role\""
echo "PostgreSQL $version on port $port has an empty database $database"
