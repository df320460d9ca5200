-- Concurrency slot keys of each run, a JSON list of {key, limit} evaluated
-- from the trigger when the run starts. Claims count the calls in flight
-- per key from it.
ALTER TABLE inngest_runs ADD COLUMN concurrency TEXT NOT NULL DEFAULT '[]';
