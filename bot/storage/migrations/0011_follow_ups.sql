-- Schema version 8: a session scheduled from a closed one's results, to measure progress.
--
-- `follows` names the closed session a follow-up repeats; the unique index lets a closed
-- session have one follow-up at most, however often its button is pressed.
ALTER TABLE sessions ADD COLUMN follows INTEGER REFERENCES sessions (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX sessions_by_predecessor ON sessions (follows) WHERE follows IS NOT NULL;
