-- The network a session asked for: 'none' (the default: its container reaches no other host) or
-- 'isolated' (a bridge with outbound access that reaches neither the manager's host nor other
-- sessions).
ALTER TABLE sessions ADD COLUMN network VARCHAR(16) DEFAULT 'none' NOT NULL;
