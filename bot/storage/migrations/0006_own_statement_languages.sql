-- Schema version 6: a school's own statements in every language.
--
-- An own statement is written in one language (`language`); `own_statement_texts` holds its
-- text and help in other languages. A participant whose language has no translation sees the
-- text as written, marked as such.
ALTER TABLE own_statements ADD COLUMN language TEXT NOT NULL DEFAULT 'lv'
    CHECK (language GLOB '[a-z][a-z]' OR language GLOB '[a-z][a-z][a-z]');

CREATE TABLE own_statement_texts (
    session_id INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    language   TEXT    NOT NULL CHECK (language GLOB '[a-z][a-z]' OR language GLOB '[a-z][a-z][a-z]'),
    text       TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    help       TEXT    NOT NULL DEFAULT '' CHECK (length(help) <= 350),
    PRIMARY KEY (session_id, code, language),
    FOREIGN KEY (session_id, code) REFERENCES own_statements (session_id, code) ON DELETE CASCADE
) WITHOUT ROWID;
