-- Schema version 7: work-based learning. The level `wbl` (upper-secondary VET with learning in
-- companies) and its fourth group, `trainer` (the learners' in-company trainers).
--
-- A CHECK constraint cannot be altered in SQLite, so each table that names the levels or the
-- groups is rebuilt: a new table, the rows copied with their ids, the old one dropped, the new
-- one renamed. The runner turns foreign keys off around a migration (a dropped parent would
-- otherwise cascade-delete its children) and checks them before it commits. Ids are copied as
-- they are: a response's id stays the random number it was. The old tables' pages are freed
-- under secure_delete and the file is vacuumed after the migration, so no copy stays behind.

CREATE TABLE sessions_v7 (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    level       TEXT    NOT NULL
                CHECK (level IN ('primary', 'lower-secondary', 'upper-secondary', 'vet', 'wbl')),
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    opens_at    INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL CHECK (closes_at > opens_at),
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'closed')),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    report_sent_at INTEGER
);
INSERT INTO sessions_v7 (id, school_id, level, start_date, end_date, timezone, opens_at,
                         closes_at, status, created_by, created_at, closed_at, report_sent_at)
SELECT id, school_id, level, start_date, end_date, timezone, opens_at,
       closes_at, status, created_by, created_at, closed_at, report_sent_at
FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v7 RENAME TO sessions;
CREATE INDEX sessions_by_school ON sessions (school_id);

CREATE TABLE invites_v7 (
    token       TEXT    PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile     TEXT    NOT NULL
                CHECK (profile IN ('leader', 'teacher', 'student', 'trainer')),
    UNIQUE (session_id, profile)
) WITHOUT ROWID;
INSERT INTO invites_v7 (token, session_id, profile)
SELECT token, session_id, profile FROM invites;
DROP TABLE invites;
ALTER TABLE invites_v7 RENAME TO invites;

CREATE TABLE responses_v7 (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile      TEXT    NOT NULL
                 CHECK (profile IN ('leader', 'teacher', 'student', 'trainer'))
);
INSERT INTO responses_v7 (id, session_id, profile)
SELECT id, session_id, profile FROM responses;
DROP TABLE responses;
ALTER TABLE responses_v7 RENAME TO responses;
CREATE INDEX responses_by_session ON responses (session_id, profile);

CREATE TABLE participants_v7 (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    telegram_id      INTEGER NOT NULL,
    chat_id          INTEGER NOT NULL,
    profile          TEXT    NOT NULL
                     CHECK (profile IN ('leader', 'teacher', 'student', 'trainer')),
    -- Languages are data (bot/i18n/locales/): any language code.
    language         TEXT    NOT NULL CHECK (language GLOB '[a-z][a-z]'
                                             OR language GLOB '[a-z][a-z][a-z]'),
    joined_at        INTEGER NOT NULL,
    -- 0 and 1 take no bytes in a record, so setting the flag rewrites the row in place:
    -- the participant's place in the file does not change at completion.
    completed        INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    reminders_muted  INTEGER NOT NULL DEFAULT 0 CHECK (reminders_muted IN (0, 1)),
    reminders_sent   INTEGER NOT NULL DEFAULT 0,
    unreachable      INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1)),
    last_reminded_at INTEGER,
    UNIQUE (session_id, telegram_id)
);
INSERT INTO participants_v7 (id, session_id, telegram_id, chat_id, profile, language, joined_at,
                             completed, reminders_muted, reminders_sent, unreachable,
                             last_reminded_at)
SELECT id, session_id, telegram_id, chat_id, profile, language, joined_at,
       completed, reminders_muted, reminders_sent, unreachable, last_reminded_at
FROM participants;
DROP TABLE participants;
ALTER TABLE participants_v7 RENAME TO participants;
CREATE INDEX participants_by_user ON participants (telegram_id);

CREATE TABLE session_drafts_v7 (
    id          INTEGER PRIMARY KEY,
    owner       INTEGER NOT NULL UNIQUE,
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    step        TEXT    NOT NULL CHECK (step IN ('level', 'customise', 'dates', 'review')),
    -- What a typed message means now, e.g. 'own_text' or 'start_date'; NULL: nothing.
    awaiting    TEXT,
    level       TEXT
                CHECK (level IN ('primary', 'lower-secondary', 'upper-secondary', 'vet', 'wbl')),
    optional    TEXT    NOT NULL DEFAULT '',    -- chosen optional codes, comma-separated
    own         TEXT    NOT NULL DEFAULT '[]',  -- own statements, JSON
    pending     TEXT,                           -- an own statement being written, JSON
    start_date  TEXT,
    end_date    TEXT,
    timezone    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
INSERT INTO session_drafts_v7 (id, owner, school_id, session_id, step, awaiting, level,
                               optional, own, pending, start_date, end_date, timezone,
                               created_at, updated_at)
SELECT id, owner, school_id, session_id, step, awaiting, level,
       optional, own, pending, start_date, end_date, timezone, created_at, updated_at
FROM session_drafts;
DROP TABLE session_drafts;
ALTER TABLE session_drafts_v7 RENAME TO session_drafts;
