-- Schema version 9: the rules a coordinator relies on.

-- A session's number within its school, the one people see and type: a school's first session
-- is its number 1. Existing sessions are numbered in the order they were created. A number is
-- never given twice in a school, not even after a cancellation.
ALTER TABLE sessions ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET number = (
    SELECT count(*) FROM sessions earlier
    WHERE earlier.school_id = sessions.school_id
      AND (earlier.created_at < sessions.created_at
           OR (earlier.created_at = sessions.created_at AND earlier.id <= sessions.id))
);
CREATE UNIQUE INDEX sessions_by_school_number ON sessions (school_id, number);

-- A session cancelled before it opened: its links answer that it was cancelled, nothing is sent
-- for it, and it does not count toward the school's limits. (A column rather than a status:
-- it keeps when, and a new status would rebuild the sessions table that nine others reference
-- once more, as version 7 did.)
ALTER TABLE sessions ADD COLUMN cancelled_at INTEGER;

-- People who opened a link before the start and asked to be told when the session opens; the
-- message itself is claimed in `deliveries` at the opening, once.
CREATE TABLE opening_requests (
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    telegram_id  INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    profile      TEXT    NOT NULL,
    language     TEXT    NOT NULL CHECK (language GLOB '[a-z][a-z]'
                                         OR language GLOB '[a-z][a-z][a-z]'),
    requested_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, telegram_id)
) WITHOUT ROWID;
CREATE INDEX opening_requests_by_user ON opening_requests (telegram_id);
