-- Schema version 4: answers that cannot be tied to anyone once a questionnaire is complete.
--
-- A questionnaire in progress is kept on the person's side (`progress`, beside the participant).
-- When it is complete, one transaction writes the whole response to the anonymous side under a
-- fresh random id, deletes the progress and sets the participant's completion flag. Nothing on
-- the anonymous side was ever referenced from the person's side, and neither side records when a
-- questionnaire was completed: the response has no time, the participant only a flag.

-- The participant, without the completion time and the link to a response.
CREATE TABLE participants_v4 (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    telegram_id      INTEGER NOT NULL,
    chat_id          INTEGER NOT NULL,
    profile          TEXT    NOT NULL CHECK (profile IN ('leader', 'teacher', 'student')),
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

-- An unfinished questionnaire: the current position and the answers so far, as
-- "CODE=VALUE,CODE=VALUE". Deleted at completion, at the close and by /forget.
CREATE TABLE progress (
    participant_id INTEGER PRIMARY KEY REFERENCES participants_v4 (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    answers        TEXT    NOT NULL DEFAULT ''
);

INSERT INTO participants_v4 (id, session_id, telegram_id, chat_id, profile, language, joined_at,
                             completed, reminders_muted, reminders_sent, unreachable,
                             last_reminded_at)
SELECT id, session_id, telegram_id, chat_id, profile, language, joined_at,
       completed_at IS NOT NULL, reminders_muted, reminders_sent, unreachable, last_reminded_at
FROM participants;

INSERT INTO progress (participant_id, position, answers)
SELECT p.id, r.position,
       coalesce((SELECT group_concat(a.code || '=' || a.value, ',') FROM answers a
                 WHERE a.response_id = r.id), '')
FROM participants p JOIN responses r ON r.id = p.response_id
WHERE p.completed_at IS NULL;

DROP TABLE participants;
ALTER TABLE participants_v4 RENAME TO participants;
CREATE INDEX participants_by_user ON participants (telegram_id);

-- A person's chosen language: any shipped language, not only Latvian and English.
CREATE TABLE user_languages_v4 (
    telegram_id INTEGER PRIMARY KEY,
    language    TEXT    NOT NULL CHECK (language GLOB '[a-z][a-z]'
                                        OR language GLOB '[a-z][a-z][a-z]')
);
INSERT INTO user_languages_v4 (telegram_id, language)
SELECT telegram_id, language FROM user_languages;
DROP TABLE user_languages;
ALTER TABLE user_languages_v4 RENAME TO user_languages;

-- The anonymous side keeps completed responses only, with neither a day nor a position.
DELETE FROM answers WHERE response_id IN (SELECT id FROM responses WHERE completed_on IS NULL);
DELETE FROM responses WHERE completed_on IS NULL;
ALTER TABLE responses DROP COLUMN completed_on;
ALTER TABLE responses DROP COLUMN position;
