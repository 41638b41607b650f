-- Initial schema of the manager: agents, kernel images, keypairs, sessions and kernels.
-- Plain SQL that H2 (in PostgreSQL mode) and PostgreSQL both accept.

CREATE TABLE agents (
    id               VARCHAR(64)   NOT NULL PRIMARY KEY,
    status           VARCHAR(16)   NOT NULL,
    hostname         VARCHAR(255),
    version          VARCHAR(64),
    scaling_group    VARCHAR(64)   NOT NULL,
    available_slots  VARCHAR(4096) NOT NULL,
    heartbeat_interval_seconds INTEGER NOT NULL,
    first_contact    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_heartbeat   TIMESTAMP WITH TIME ZONE NOT NULL,
    lost_at          TIMESTAMP WITH TIME ZONE
);

CREATE TABLE kernel_images (
    name         VARCHAR(255)  NOT NULL PRIMARY KEY,
    runtime_type VARCHAR(64),
    labels       VARCHAR(65535) NOT NULL,
    min_slots    VARCHAR(4096) NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE agent_images (
    agent_id   VARCHAR(64)  NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    image_name VARCHAR(255) NOT NULL REFERENCES kernel_images (name) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, image_name)
);

CREATE TABLE keypairs (
    access_key        VARCHAR(64)   NOT NULL PRIMARY KEY,
    encrypted_secret  VARCHAR(512)  NOT NULL,
    user_id           VARCHAR(255)  NOT NULL,
    is_admin          BOOLEAN       NOT NULL,
    is_active         BOOLEAN       NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_used         TIMESTAMP WITH TIME ZONE
);

CREATE TABLE sessions (
    id                UUID          NOT NULL PRIMARY KEY,
    name              VARCHAR(64)   NOT NULL,
    access_key        VARCHAR(64)   NOT NULL REFERENCES keypairs (access_key),
    session_type      VARCHAR(16)   NOT NULL,
    image             VARCHAR(255)  NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    status_info       VARCHAR(2048),
    status_changed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    requested_slots   VARCHAR(4096) NOT NULL,
    environ           VARCHAR(65535) NOT NULL,
    agent_id          VARCHAR(64),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    terminated_at     TIMESTAMP WITH TIME ZONE,
    version           BIGINT        NOT NULL
);

CREATE INDEX ix_sessions_status_created ON sessions (status, created_at);
CREATE INDEX ix_sessions_access_key_name ON sessions (access_key, name);

CREATE TABLE kernels (
    id                UUID          NOT NULL PRIMARY KEY,
    session_id        UUID          NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id          VARCHAR(64),
    container_id      VARCHAR(128),
    image             VARCHAR(255)  NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    status_info       VARCHAR(2048),
    status_changed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    occupied_slots    VARCHAR(4096) NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    terminated_at     TIMESTAMP WITH TIME ZONE,
    version           BIGINT        NOT NULL
);

CREATE INDEX ix_kernels_agent_status ON kernels (agent_id, status);
CREATE INDEX ix_kernels_session ON kernels (session_id);
