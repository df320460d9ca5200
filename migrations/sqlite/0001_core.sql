-- Core tables of call-insights on SQLite. migrations/postgres/0001_core.sql
-- creates the same tables with the same constraints on PostgreSQL.
--
-- Ids are TEXT. Timestamps are UTC text in RFC 3339 form with exactly three
-- fractional digits ('2024-05-01T12:00:00.000Z'). That is the form
-- strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes, so the defaults below and the
-- values the service binds compare correctly as text, and text order is time
-- order. PostgreSQL stores the same instants as TIMESTAMPTZ. The service reads
-- both as time::OffsetDateTime truncated to milliseconds.
--
-- JSON columns are TEXT checked with json_valid (JSONB on PostgreSQL), and
-- enumerations are TEXT with a CHECK constraint.

CREATE TABLE calls (
    id                TEXT PRIMARY KEY NOT NULL,
    title             TEXT NOT NULL,
    recording_url     TEXT,
    -- Path or URL of a transcript file, for calls that come with one.
    transcript_source TEXT,
    -- Format of transcript_source when its name does not tell it.
    transcript_format TEXT,
    duration_s        REAL CHECK (duration_s IS NULL OR duration_s >= 0),
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE transcripts (
    call_id    TEXT PRIMARY KEY NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    -- The segments as 'Speaker: text' lines.
    text       TEXT NOT NULL,
    -- Array of {speaker, start, end, text}; start and end are seconds or null.
    segments   TEXT NOT NULL DEFAULT '[]'
               CHECK (json_valid(segments) AND json_type(segments) = 'array'),
    provider   TEXT NOT NULL,
    is_final   BOOLEAN NOT NULL DEFAULT 0 CHECK (is_final IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE insights_jobs (
    id            TEXT PRIMARY KEY NOT NULL,
    call_id       TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    stage         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (stage IN ('queued', 'fetching', 'analyzing', 'saving', 'done')),
    -- How many times a run started the job; retries and replays count.
    attempt       INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    run_id        TEXT,
    error_message TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at    TEXT,
    completed_at  TEXT,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX insights_jobs_call_id_created_at ON insights_jobs (call_id, created_at);
CREATE INDEX insights_jobs_status_updated_at ON insights_jobs (status, updated_at);

-- At most one active job per call. Inserts race on this index, so a second
-- request for the same call finds the first job instead of adding another.
CREATE UNIQUE INDEX insights_jobs_one_active_per_call
    ON insights_jobs (call_id)
    WHERE status IN ('pending', 'processing');

CREATE TABLE insights (
    id              TEXT PRIMARY KEY NOT NULL,
    call_id         TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    job_id          TEXT NOT NULL UNIQUE REFERENCES insights_jobs (id) ON DELETE CASCADE,
    -- The whole insights object; summary and sentiment are copied into columns.
    insights        TEXT NOT NULL CHECK (json_valid(insights)),
    summary         TEXT NOT NULL,
    sentiment_label TEXT NOT NULL
                    CHECK (sentiment_label IN ('positive', 'neutral', 'negative', 'mixed')),
    sentiment_score REAL NOT NULL,
    analyzer        TEXT NOT NULL,
    model           TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX insights_call_id_created_at ON insights (call_id, created_at);
