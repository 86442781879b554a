-- Schema version 10: what a session asks its respondents besides the statements.
--
-- The questions about the respondents (bot/surveys/background.toml) are answered before the
-- statements and travel like them: beside the person while the questionnaire is unfinished
-- (`progress.background`), then with the completed response (`responses.background`), as
-- "key=option,key=option" in the order of the questions. The open question's answer is kept
-- apart from every response, with nothing that ties the two (`open_answers`).
-- Groups are data (bot/surveys/vocabulary.py): no list of them here.

-- A session asks the questions about the respondents if it has a row here.
CREATE TABLE session_background (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE
);

-- A session's open question for a group: a listed one (`key`) or the coordinator's own text,
-- written in `language`.
CREATE TABLE session_open_questions (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile    TEXT    NOT NULL CHECK (profile GLOB '[a-z]*'),
    key        TEXT    CHECK (key GLOB '[a-z]*'),
    text       TEXT    CHECK (length(text) BETWEEN 1 AND 300),
    language   TEXT    CHECK (language GLOB '[a-z][a-z]' OR language GLOB '[a-z][a-z][a-z]'),
    CHECK ((key IS NULL) <> (text IS NULL)),
    CHECK ((text IS NULL) = (language IS NULL)),
    PRIMARY KEY (session_id, profile)
) WITHOUT ROWID;

-- While unfinished: the answers about the person so far, and the question of the block being
-- shown (NULL when the statements are).
ALTER TABLE progress ADD COLUMN background TEXT NOT NULL DEFAULT '';
ALTER TABLE progress ADD COLUMN background_step INTEGER CHECK (background_step >= 0);

-- Completed: the answers about the respondent, with the response ('' when not asked).
ALTER TABLE responses ADD COLUMN background TEXT NOT NULL DEFAULT '';

-- Answers to the open question. Like a response, an answer has a random id and moves a few
-- others of its group to new ids when it is written (bot/storage/open_answers.py), so that
-- neither its id nor its place says when it came; nothing here names a response or a person.
CREATE TABLE open_answers (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    profile    TEXT    NOT NULL CHECK (profile GLOB '[a-z]*'),
    text       TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 500)
);
CREATE INDEX open_answers_by_session ON open_answers (session_id, profile);

-- A participant who completed the questionnaire and has the open question still before them;
-- deleted when they answer or skip it, and at the close. `card_message_id`: the message that
-- asks it.
CREATE TABLE open_pending (
    participant_id  INTEGER PRIMARY KEY REFERENCES participants (id) ON DELETE CASCADE,
    card_message_id INTEGER
);
