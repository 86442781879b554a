-- Schema version 13: a claim names the process that sends it and until when.
--
-- `owner` is a random id per process run; `lease_until` (epoch seconds) is renewed while the
-- owner sends. An unsent claim without an owner, or whose lease has run out, is taken over
-- by the sender (the leader: bot/storage/leadership.py), so a process that died leaves only
-- what it had not sent. The index keeps that search short however many were sent.
ALTER TABLE deliveries ADD COLUMN owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
CREATE INDEX deliveries_unsent ON deliveries (claimed_at, recipient)
    WHERE sent_at IS NULL AND failure IS NULL;
