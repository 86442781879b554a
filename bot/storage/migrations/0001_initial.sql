-- Schema version 1: schools, coordinators, sessions, their statements, invites,
-- participants and their anonymous responses.
-- Instants are unix seconds (UTC); calendar dates are ISO strings in the session's time zone.

CREATE TABLE schools (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  INTEGER NOT NULL
);

CREATE TABLE coordinators (
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (school_id, telegram_id)
) WITHOUT ROWID;
CREATE INDEX coordinators_by_user ON coordinators (telegram_id);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    level       TEXT    NOT NULL
                CHECK (level IN ('primary', 'lower-secondary', 'upper-secondary', 'vet')),
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    opens_at    INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL CHECK (closes_at > opens_at),
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'closed')),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER
);
CREATE INDEX sessions_by_school ON sessions (school_id);

-- Bank statements (core and chosen optional ones) that a session uses.
CREATE TABLE session_statements (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    PRIMARY KEY (session_id, code)
) WITHOUT ROWID;

-- The school's own statements (at most ten a session), written in the school's language.
CREATE TABLE own_statements (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    code        TEXT    NOT NULL CHECK (code GLOB 'S[1-9]' OR code = 'S10'),
    area        TEXT    NOT NULL CHECK (area IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H')),
    profiles    TEXT    NOT NULL,
    text        TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    help        TEXT    NOT NULL DEFAULT '' CHECK (length(help) <= 350),
    PRIMARY KEY (session_id, code)
) WITHOUT ROWID;

CREATE TABLE invites (
    token       TEXT    PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile     TEXT    NOT NULL CHECK (profile IN ('leader', 'teacher', 'student')),
    UNIQUE (session_id, profile)
) WITHOUT ROWID;

-- A response holds answers and nothing about who gave them. Its id is random, so neither
-- its order nor its value says which participant it belongs to.
CREATE TABLE responses (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile      TEXT    NOT NULL CHECK (profile IN ('leader', 'teacher', 'student')),
    position     INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    completed_on TEXT
);
CREATE INDEX responses_by_session ON responses (session_id, profile);

CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    value       INTEGER NOT NULL CHECK (value BETWEEN 0 AND 5),
    PRIMARY KEY (response_id, code)
) WITHOUT ROWID;

-- A participant is what reminders need to know about a person. The link to their response
-- (response_id) exists only while the questionnaire is in progress and is cut at completion.
CREATE TABLE participants (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    telegram_id     INTEGER NOT NULL,
    chat_id         INTEGER NOT NULL,
    profile         TEXT    NOT NULL CHECK (profile IN ('leader', 'teacher', 'student')),
    language        TEXT    NOT NULL CHECK (language IN ('lv', 'en')),
    joined_at       INTEGER NOT NULL,
    completed_at    INTEGER,
    response_id     INTEGER UNIQUE REFERENCES responses (id) ON DELETE SET NULL,
    reminders_muted INTEGER NOT NULL DEFAULT 0 CHECK (reminders_muted IN (0, 1)),
    reminders_sent  INTEGER NOT NULL DEFAULT 0,
    unreachable     INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1)),
    UNIQUE (session_id, telegram_id),
    CHECK (completed_at IS NULL OR response_id IS NULL)
);
CREATE INDEX participants_by_user ON participants (telegram_id);

-- A person's chosen interface language, kept apart from any session.
CREATE TABLE user_languages (
    telegram_id INTEGER PRIMARY KEY,
    language    TEXT    NOT NULL CHECK (language IN ('lv', 'en'))
);
