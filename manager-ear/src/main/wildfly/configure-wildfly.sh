#!/usr/bin/env bash
# Configures a WildFly installation for the Backend.AI manager, offline through an embedded
# server: the datasource, the Artemis destinations and the remote acceptor for agents, the
# agents' broker user, and the root context for the REST API.
#
# Usage: configure-wildfly.sh JBOSS_HOME STATE_DIR
#
# STATE_DIR receives agent-broker.properties (mode 600) with the agents' broker credentials.
# Database: embedded H2 by default. Set BACKEND_DB_URL (jdbc:postgresql://host:port/db),
# BACKEND_DB_USER and BACKEND_DB_PASSWORD to use PostgreSQL instead.
# BACKEND_AGENT_BROKER_PORT sets the agents' acceptor port (default 61616), and
# BACKEND_HTTP_PORT_OFFSET shifts every WildFly port (default 0).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 JBOSS_HOME STATE_DIR" >&2
    exit 2
fi
jboss_home=$(cd "$1" && pwd)
state_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)

config="$jboss_home/standalone/configuration/standalone-full.xml"
if [ ! -f "$config.orig" ]; then
    cp "$config" "$config.orig"
else
    # Start from the pristine file so that running this script again gives the same result.
    cp "$config.orig" "$config"
fi

broker_port=${BACKEND_AGENT_BROKER_PORT:-61616}
cli_file=$(mktemp)
trap 'rm -f "$cli_file"' EXIT

{
    echo 'embed-server --server-config=standalone-full.xml --std-out=discard'
    if [ -n "${BACKEND_DB_URL:-}" ]; then
        case "$BACKEND_DB_URL" in
            jdbc:postgresql://*) ;;
            *) echo "BACKEND_DB_URL must start with jdbc:postgresql://, not '$BACKEND_DB_URL'" >&2; exit 2 ;;
        esac
        driver_jar=$(ls "$here"/postgresql-*.jar 2>/dev/null | head -n 1 || true)
        if [ -z "$driver_jar" ]; then
            echo "the PostgreSQL driver jar is missing next to $0; run mvn -pl manager-ear package" >&2
            exit 1
        fi
        if [ ! -d "$jboss_home/modules/org/postgresql" ]; then
            echo "module add --name=org.postgresql --resources=$driver_jar --dependencies=java.sql,java.naming,jakarta.transaction.api"
        fi
        echo '/subsystem=datasources/jdbc-driver=postgresql:add(driver-name=postgresql,driver-module-name=org.postgresql,driver-xa-datasource-class-name=org.postgresql.xa.PGXADataSource)'
        echo "data-source add --name=BackendAiDS --jndi-name=java:jboss/datasources/BackendAiDS --driver-name=postgresql --connection-url=\"$BACKEND_DB_URL\" --user-name=\"${BACKEND_DB_USER:-backendai}\" --password=\"${BACKEND_DB_PASSWORD:-}\" --min-pool-size=2 --max-pool-size=30 --valid-connection-checker-class-name=org.jboss.jca.adapters.jdbc.extensions.postgres.PostgreSQLValidConnectionChecker --exception-sorter-class-name=org.jboss.jca.adapters.jdbc.extensions.postgres.PostgreSQLExceptionSorter --background-validation=true"
    else
        echo 'data-source add --name=BackendAiDS --jndi-name=java:jboss/datasources/BackendAiDS --driver-name=h2 --connection-url="jdbc:h2:file:${jboss.server.data.dir}/backendai/manager-db;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE" --user-name=sa --password=sa --max-pool-size=30'
    fi
    # Artemis: the agents' event queue, per-agent queues created on first use, and a role for agents.
    echo 'jms-queue add --queue-address=BackendAiManagerEvents --entries=java:/jms/queue/BackendAiManagerEvents'
    echo '/subsystem=messaging-activemq/server=default/address-setting=#:write-attribute(name=auto-create-queues,value=true)'
    echo '/subsystem=messaging-activemq/server=default/address-setting=#:write-attribute(name=auto-create-addresses,value=true)'
    echo '/subsystem=messaging-activemq/server=default/address-setting=#:write-attribute(name=max-delivery-attempts,value=5)'
    echo '/subsystem=messaging-activemq/server=default/security-setting=#/role=agent:add(send=true,consume=true,create-durable-queue=true,create-non-durable-queue=true,delete-non-durable-queue=true)'
    echo '/subsystem=messaging-activemq/server=default/security-setting=#/role=guest:write-attribute(name=create-durable-queue,value=true)'
    # Session events: a topic that every manager node and outside JMS clients (role 'events') read.
    echo 'jms-topic add --topic-address=BackendAiSessionEvents --entries=java:/jms/topic/BackendAiSessionEvents java:jboss/exported/jms/topic/BackendAiSessionEvents'
    echo '/subsystem=messaging-activemq/server=default/security-setting=jms.topic.BackendAiSessionEvents:add'
    echo '/subsystem=messaging-activemq/server=default/security-setting=jms.topic.BackendAiSessionEvents/role=guest:add(send=true,consume=true,create-non-durable-queue=true,delete-non-durable-queue=true)'
    echo '/subsystem=messaging-activemq/server=default/security-setting=jms.topic.BackendAiSessionEvents/role=events:add(send=false,consume=true,create-non-durable-queue=true,delete-non-durable-queue=true,create-durable-queue=true,delete-durable-queue=true)'
    echo "/socket-binding-group=standard-sockets/socket-binding=backendai-agents:add(port=\"\${backendai.agents.port:$broker_port}\",interface=public)"
    echo '/subsystem=messaging-activemq/server=default/remote-acceptor=backendai-agents:add(socket-binding=backendai-agents)'
    # The REST API lives at the root, where WildFly shows its welcome page by default.
    echo '/subsystem=undertow/server=default-server/host=default-host/location=\/:remove'
    # Uploads of up to 64 MiB of files plus multipart framing.
    echo '/subsystem=undertow/server=default-server/http-listener=default:write-attribute(name=max-post-size,value=104857600)'
    echo 'stop-embedded-server'
} > "$cli_file"

echo "Configuring $jboss_home (database: ${BACKEND_DB_URL:-embedded H2})"
"$jboss_home/bin/jboss-cli.sh" --file="$cli_file" > "$state_dir/configure-wildfly.log" 2>&1 || {
    echo "jboss-cli failed; see $state_dir/configure-wildfly.log" >&2
    tail -n 20 "$state_dir/configure-wildfly.log" >&2
    exit 1
}

# The agents' broker user lives in WildFly's application realm with the role 'agent'.
credentials="$state_dir/agent-broker.properties"
if [ -f "$credentials" ]; then
    password=$(sed -n 's/^password=//p' "$credentials")
else
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
    (umask 077 && printf 'user=agent\npassword=%s\n' "$password" > "$credentials")
fi
for file in application-users.properties application-roles.properties; do
    sed -i '/^agent=/d' "$jboss_home/standalone/configuration/$file"
done
"$jboss_home/bin/add-user.sh" -a -s -u agent -p "$password" -g agent \
    -sc "$jboss_home/standalone/configuration" > /dev/null
# Outside subscribers of the session events topic use the user 'events' (role 'events').
events_credentials="$state_dir/events-broker.properties"
if [ -f "$events_credentials" ]; then
    events_password=$(sed -n 's/^password=//p' "$events_credentials")
else
    events_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
    (umask 077 && printf 'user=events\npassword=%s\n' "$events_password" > "$events_credentials")
fi
for file in application-users.properties application-roles.properties; do
    sed -i '/^events=/d' "$jboss_home/standalone/configuration/$file"
done
"$jboss_home/bin/add-user.sh" -a -s -u events -p "$events_password" -g events \
    -sc "$jboss_home/standalone/configuration" > /dev/null
echo "Configured; agent broker credentials are in $credentials, event subscriber credentials in $events_credentials"
