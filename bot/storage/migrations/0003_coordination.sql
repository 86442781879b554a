-- Schema version 3: coordinators' invites, their names, and session drafts (the coordinator's
-- set-up dialogue, kept here so that it survives a restart).

-- How a coordinator is shown to co-coordinators (first name and @username at joining time).
ALTER TABLE coordinators ADD COLUMN name TEXT;

-- A one-use link that makes whoever opens it a coordinator of the school, until it expires.
CREATE TABLE coordinator_invites (
    token       TEXT    PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    created_by  INTEGER,                -- NULL when issued from the command line
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL CHECK (expires_at > created_at),
    used_by     INTEGER,
    used_at     INTEGER,
    CHECK ((used_by IS NULL) = (used_at IS NULL))
) WITHOUT ROWID;

-- One dialogue in progress per person: a new session being set up (session_id NULL) or the
-- changes to an existing session (session_id set), applied together when saved.
CREATE TABLE session_drafts (
    id          INTEGER PRIMARY KEY,
    owner       INTEGER NOT NULL UNIQUE,
    school_id   INTEGER NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    step        TEXT    NOT NULL CHECK (step IN ('level', 'customise', 'dates', 'review')),
    -- What a typed message means now, e.g. 'own_text' or 'start_date'; NULL: nothing.
    awaiting    TEXT,
    level       TEXT    CHECK (level IN ('primary', 'lower-secondary', 'upper-secondary', 'vet')),
    optional    TEXT    NOT NULL DEFAULT '',    -- chosen optional codes, comma-separated
    own         TEXT    NOT NULL DEFAULT '[]',  -- own statements, JSON
    pending     TEXT,                           -- an own statement being written, JSON
    start_date  TEXT,
    end_date    TEXT,
    timezone    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
