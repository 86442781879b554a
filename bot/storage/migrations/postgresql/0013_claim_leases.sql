-- Schema version 13, as SQLite's 0013_claim_leases.sql: who sends a claim, and until when.
ALTER TABLE deliveries ADD COLUMN owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT;
CREATE INDEX deliveries_unsent ON deliveries (claimed_at, recipient)
    WHERE sent_at IS NULL AND failure IS NULL;
