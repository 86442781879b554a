-- Schema version 12, as SQLite's 0012_draft_respondents.sql: what a draft asks its
-- respondents besides the statements, as JSON (NULL: the defaults).
ALTER TABLE session_drafts ADD COLUMN respondents TEXT;
