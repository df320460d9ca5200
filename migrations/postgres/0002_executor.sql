-- State of the embedded executor: apps, events, runs, memoized steps, the
-- job queue and waits. Times are Unix milliseconds; JSON is stored as text.

CREATE TABLE inngest_apps (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE inngest_functions (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX inngest_functions_app ON inngest_functions (app_id);

CREATE TABLE inngest_events (
    internal_id TEXT PRIMARY KEY,
    event_id TEXT,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    -- False for a repeated event id, which triggers nothing.
    triggered BOOLEAN NOT NULL
);
CREATE INDEX inngest_events_event_id ON inngest_events (event_id, received_at);

CREATE TABLE inngest_runs (
    id TEXT PRIMARY KEY,
    function_id TEXT NOT NULL,
    status TEXT NOT NULL,
    events TEXT NOT NULL,
    output TEXT,
    error TEXT,
    request_version BIGINT NOT NULL,
    force_plan BOOLEAN NOT NULL,
    pending TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX inngest_runs_function ON inngest_runs (function_id, started_at);

CREATE TABLE inngest_steps (
    run_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    position BIGINT NOT NULL,
    memo TEXT NOT NULL,
    PRIMARY KEY (run_id, hash)
);

CREATE TABLE inngest_jobs (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    step_id TEXT NOT NULL,
    wait_id TEXT,
    attempt BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    lease_until BIGINT,
    done BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX inngest_jobs_due ON inngest_jobs (done, available_at);
CREATE INDEX inngest_jobs_run ON inngest_jobs (run_id);

CREATE TABLE inngest_waits (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    event_name TEXT,
    expression TEXT,
    expires_at BIGINT,
    expiry_value TEXT NOT NULL
);
CREATE INDEX inngest_waits_event ON inngest_waits (event_name);
CREATE INDEX inngest_waits_run ON inngest_waits (run_id);
