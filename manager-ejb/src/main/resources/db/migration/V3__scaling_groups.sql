-- Scaling groups: each agent belongs to one, each has its own scheduler, and domains, groups and
-- keypairs are allowed to use some of them. Sessions record the group they were placed in.

CREATE TABLE scaling_groups (
    name            VARCHAR(64)  NOT NULL PRIMARY KEY,
    description     VARCHAR(512),
    is_active       BOOLEAN      NOT NULL,
    scheduler       VARCHAR(16)  NOT NULL,
    agent_selection VARCHAR(16)  NOT NULL,
    pending_timeout INTEGER      NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE scaling_group_domains (
    scaling_group VARCHAR(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    domain_name   VARCHAR(64) NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    PRIMARY KEY (scaling_group, domain_name)
);

CREATE TABLE scaling_group_user_groups (
    scaling_group VARCHAR(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    group_id      UUID        NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (scaling_group, group_id)
);

CREATE TABLE scaling_group_keypairs (
    scaling_group VARCHAR(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    access_key    VARCHAR(64) NOT NULL REFERENCES keypairs (access_key) ON DELETE CASCADE,
    PRIMARY KEY (scaling_group, access_key)
);

INSERT INTO scaling_groups (name, description, is_active, scheduler, agent_selection,
                            pending_timeout, created_at, modified_at)
VALUES ('default', 'The scaling group of agents that name none', TRUE, 'fifo', 'dispersed', 0,
        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

INSERT INTO scaling_group_domains (scaling_group, domain_name) VALUES ('default', 'default');

ALTER TABLE sessions ADD COLUMN scaling_group VARCHAR(64);
UPDATE sessions SET scaling_group = 'default';
CREATE INDEX ix_sessions_group_status ON sessions (scaling_group, status, created_at);
CREATE INDEX ix_agents_group_status ON agents (scaling_group, status);
