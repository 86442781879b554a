-- Schema version 5: a report that could not be made or sent is tried again later.
--
-- `failure` says why the last attempt failed; while `retry_at` is set, another attempt is due
-- at that instant (the scheduler's tick takes it then, pushing `retry_at` a little further as
-- its lease, so that a process that dies mid-attempt leaves it to be taken again). `attempts`
-- counts the failed attempts, which the backoff follows (bot/scheduler/retries.py).
ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE deliveries ADD COLUMN retry_at INTEGER;
CREATE INDEX deliveries_due ON deliveries (retry_at) WHERE retry_at IS NOT NULL;
