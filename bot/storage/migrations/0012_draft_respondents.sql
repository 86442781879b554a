-- Schema version 12: what a draft asks its respondents besides the statements.
--
-- JSON: {"background": true|false, "open": [{"profile", "key" | "text" + "language"}],
-- "writing": the group whose own open question is being typed, or null}. NULL (a draft begun
-- before this version) reads as the defaults: the questions about the respondents on, no open
-- questions.
ALTER TABLE session_drafts ADD COLUMN respondents TEXT;
