-- Core tables of call-insights on PostgreSQL. migrations/sqlite/0001_core.sql
-- creates the same tables with the same constraints on SQLite.
--
-- Ids are TEXT. Timestamps are TIMESTAMPTZ; the SQLite schema stores the same
-- instants as RFC 3339 UTC text with three fractional digits. The service
-- reads both as time::OffsetDateTime and writes them truncated to
-- milliseconds, so a value reads back the same on either database.
--
-- JSON columns are JSONB, and enumerations are TEXT with a CHECK constraint
-- rather than an enum type: the same constraint works on SQLite, and a value
-- added to an enum type with ALTER TYPE cannot be used in the transaction that
-- adds it.

CREATE TABLE calls (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    recording_url     TEXT,
    -- Path or URL of a transcript file, for calls that come with one.
    transcript_source TEXT,
    -- Format of transcript_source when its name does not tell it.
    transcript_format TEXT,
    duration_s        DOUBLE PRECISION CHECK (duration_s IS NULL OR duration_s >= 0),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE transcripts (
    call_id    TEXT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    -- The segments as 'Speaker: text' lines.
    text       TEXT NOT NULL,
    -- Array of {speaker, start, end, text}; start and end are seconds or null.
    segments   JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(segments) = 'array'),
    provider   TEXT NOT NULL,
    is_final   BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE insights_jobs (
    id            TEXT PRIMARY KEY,
    call_id       TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    stage         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (stage IN ('queued', 'fetching', 'analyzing', 'saving', 'done')),
    -- How many times a run started the job; retries and replays count.
    attempt       INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    run_id        TEXT,
    error_message TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at    TIMESTAMPTZ,
    completed_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX insights_jobs_call_id_created_at ON insights_jobs (call_id, created_at);
CREATE INDEX insights_jobs_status_updated_at ON insights_jobs (status, updated_at);

-- At most one active job per call. Inserts race on this index, so a second
-- request for the same call finds the first job instead of adding another.
CREATE UNIQUE INDEX insights_jobs_one_active_per_call
    ON insights_jobs (call_id)
    WHERE status IN ('pending', 'processing');

CREATE TABLE insights (
    id              TEXT PRIMARY KEY,
    call_id         TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    job_id          TEXT NOT NULL UNIQUE REFERENCES insights_jobs (id) ON DELETE CASCADE,
    -- The whole insights object; summary and sentiment are copied into columns.
    insights        JSONB NOT NULL,
    summary         TEXT NOT NULL,
    sentiment_label TEXT NOT NULL
                    CHECK (sentiment_label IN ('positive', 'neutral', 'negative', 'mixed')),
    sentiment_score DOUBLE PRECISION NOT NULL,
    analyzer        TEXT NOT NULL,
    model           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX insights_call_id_created_at ON insights (call_id, created_at);
