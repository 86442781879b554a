-- Schema version 9, as SQLite's 0009_session_rules.sql: a session's number within its school,
-- cancelling before the opening, and requests to be told when a session opens.
ALTER TABLE sessions ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET number = ranked.number
FROM (SELECT id, row_number() OVER (PARTITION BY school_id ORDER BY created_at, id) AS number
      FROM sessions) AS ranked
WHERE ranked.id = sessions.id;
CREATE UNIQUE INDEX sessions_by_school_number ON sessions (school_id, number);

ALTER TABLE sessions ADD COLUMN cancelled_at BIGINT;

CREATE TABLE opening_requests (
    session_id   BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    telegram_id  BIGINT NOT NULL,
    chat_id      BIGINT NOT NULL,
    profile      TEXT   NOT NULL,
    language     TEXT   NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, telegram_id)
);
CREATE INDEX opening_requests_by_user ON opening_requests (telegram_id);
