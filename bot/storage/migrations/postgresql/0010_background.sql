-- Schema version 10, as SQLite's 0010_background.sql: questions about the respondents and one
-- open question per group; open answers kept apart from responses, under random ids.
CREATE TABLE session_background (
    session_id BIGINT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE
);

CREATE TABLE session_open_questions (
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile    TEXT   NOT NULL CHECK (profile ~ '^[a-z]'),
    key        TEXT   CHECK (key ~ '^[a-z]'),
    text       TEXT   CHECK (length(text) BETWEEN 1 AND 300),
    language   TEXT   CHECK (language ~ '^[a-z]{2,3}$'),
    CHECK ((key IS NULL) <> (text IS NULL)),
    CHECK ((text IS NULL) = (language IS NULL)),
    PRIMARY KEY (session_id, profile)
);

ALTER TABLE progress ADD COLUMN background TEXT NOT NULL DEFAULT '';
ALTER TABLE progress ADD COLUMN background_step INTEGER CHECK (background_step >= 0);

ALTER TABLE responses ADD COLUMN background TEXT NOT NULL DEFAULT '';

CREATE TABLE open_answers (
    id         BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile    TEXT   NOT NULL CHECK (profile ~ '^[a-z]'),
    text       TEXT   NOT NULL CHECK (length(text) BETWEEN 1 AND 500)
);
CREATE INDEX open_answers_by_session ON open_answers (session_id, profile);

CREATE TABLE open_pending (
    participant_id  BIGINT PRIMARY KEY REFERENCES participants (id) ON DELETE CASCADE,
    card_message_id BIGINT
);
