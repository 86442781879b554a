-- Schema version 2: what time-based jobs need to happen exactly once.

-- Every message that must go out once per recipient (the opening notice and the report to a
-- coordinator, a reminder to a participant) is claimed here in the transaction that decides
-- it, before it is sent; `sent_at` records that Telegram accepted it.
CREATE TABLE deliveries (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    recipient   INTEGER NOT NULL,
    claimed_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    failure     TEXT,
    PRIMARY KEY (session_id, kind, recipient)
) WITHOUT ROWID;

-- Reminder rounds of a session that have been carried out (planned ones are derived from the
-- session's dates and the policy, so they need no rows until they run).
CREATE TABLE reminder_rounds (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (session_id, round)
) WITHOUT ROWID;

ALTER TABLE participants ADD COLUMN last_reminded_at INTEGER;
ALTER TABLE sessions ADD COLUMN report_sent_at INTEGER;
