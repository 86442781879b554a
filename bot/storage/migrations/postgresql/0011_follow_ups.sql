-- Schema version 11, as SQLite's 0011_follow_ups.sql: the session a follow-up continues, one
-- follow-up per closed session.
ALTER TABLE sessions ADD COLUMN follows BIGINT REFERENCES sessions (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX sessions_by_predecessor ON sessions (follows) WHERE follows IS NOT NULL;
