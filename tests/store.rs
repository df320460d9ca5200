//! The store suite. Every test body runs twice, on a temporary SQLite file and
//! on a fresh database of the throwaway PostgreSQL cluster (skipped with a
//! notice when PostgreSQL is not installed, unless `CI_REQUIRE_POSTGRES=1`).

mod support;

use call_insights::store::{Error, NewCall, Store, StoreOptions};
use functions::domain::{CallId, JobId, JobStage, JobStatus, Segment, Transcript};
use functions::insights::{
    AnalyzerInfo, Insights, SCHEMA_VERSION, Sentiment, SentimentLabel, SentimentScore,
};
use functions::ports::{InsightsStore, StoreError, Transition};
use sqlx::Connection;
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

/// A migrated store and what keeps its database alive.
struct TestStore {
    store: Store,
    /// URL of the database, for checks the store API does not offer.
    url: String,
    _dir: Option<TempDir>,
}

impl TestStore {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("store.db").display()
        );
        let store = Store::connect(&url).await.unwrap();
        Self {
            store,
            url,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Option<Self> {
        let database = support::postgres::fresh_database().await?;
        let store = Store::connect(&database.url).await.unwrap();
        Some(Self {
            store,
            url: database.url,
            _dir: None,
        })
    }

    /// Counts the rows of `insights` for a job with a separate connection.
    async fn count_insights_rows(&self, job_id: &JobId) -> i64 {
        const SQL: &str = "SELECT COUNT(*) FROM insights WHERE job_id = $1";
        if self.store.is_postgres() {
            let mut connection = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::query_scalar(SQL)
                .bind(job_id.as_str())
                .fetch_one(&mut connection)
                .await
                .unwrap()
        } else {
            let mut connection = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query_scalar(SQL)
                .bind(job_id.as_str())
                .fetch_one(&mut connection)
                .await
                .unwrap()
        }
    }
}

/// Declares each listed `async fn name(db: &TestStore)` as a test in module
/// `sqlite` and in module `postgres`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = super::TestStore::sqlite().await;
                    super::$name(&db).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = super::TestStore::postgres().await else {
                        return;
                    };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

on_both_databases!(
    call_and_transcript_round_trip,
    transcript_errors,
    one_active_job_per_call,
    concurrent_job_creation_agrees,
    guarded_transitions,
    start_job_creates_missing_job,
    start_job_rejects_unknown_call,
    save_insights_twice_keeps_one_row,
    concurrent_saves_complete_once,
    fail_job_records_failure,
    stage_updates,
    stale_jobs_listed_and_reaped,
    reconnect_and_transaction_pooler_options,
);

fn sample_transcript() -> Transcript {
    Transcript {
        segments: vec![
            Segment {
                speaker: "Rep".into(),
                start: Some(0.0),
                end: Some(4.25),
                text: "Thanks for joining today.".into(),
            },
            Segment {
                speaker: "Customer".into(),
                start: None,
                end: None,
                text: "Happy to be here.".into(),
            },
        ],
    }
}

fn sample_insights(summary: &str) -> Insights {
    Insights {
        schema_version: SCHEMA_VERSION.into(),
        summary: summary.into(),
        key_points: vec!["Pricing was discussed.".into()],
        sentiment: Sentiment {
            overall: SentimentScore {
                label: SentimentLabel::Positive,
                score: 0.5,
            },
            by_speaker: vec![],
        },
        topics: vec![],
        action_items: vec![],
        next_steps: vec![],
        decisions: vec![],
        questions: vec![],
        objections: vec![],
        risks: vec![],
        talk_metrics: vec![],
        analyzer: AnalyzerInfo {
            name: "heuristic".into(),
            model: None,
            version: "1".into(),
        },
    }
}

async fn new_call(store: &Store) -> CallId {
    store
        .create_call(&NewCall::new("Demo call"))
        .await
        .unwrap()
        .id
}

/// Creates a call with a job that a run has started.
async fn processing_job(store: &Store) -> (CallId, JobId) {
    let call_id = new_call(store).await;
    let job_id = JobId::generate();
    let started = store
        .start_job(&job_id, &call_id, "run-1", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(started, Transition::Applied);
    (call_id, job_id)
}

async fn call_and_transcript_round_trip(db: &TestStore) {
    let store = &db.store;
    let new_call = NewCall {
        recording_url: Some("https://example.com/call.mp3".into()),
        transcript_source: Some("data/call.vtt".into()),
        transcript_format: Some("vtt".into()),
        duration_s: Some(312.5),
        ..NewCall::new("Quarterly review")
    };

    let created = store.create_call(&new_call).await.unwrap();
    assert_eq!(created.id, new_call.id);
    assert_eq!(created.title, "Quarterly review");
    assert_eq!(created.transcript_format.as_deref(), Some("vtt"));
    assert_eq!(created.duration_s, Some(312.5));
    assert_eq!(store.get_call(&new_call.id).await.unwrap(), Some(created));
    assert_eq!(store.get_call(&CallId::generate()).await.unwrap(), None);

    let port: &dyn InsightsStore = store;
    assert_eq!(port.load_transcript(&new_call.id).await.unwrap(), None);

    let first = store
        .save_transcript(&new_call.id, &sample_transcript(), "local", false)
        .await
        .unwrap();
    assert_eq!(first.transcript, sample_transcript());
    assert_eq!(
        first.text,
        "Rep: Thanks for joining today.\nCustomer: Happy to be here.\n"
    );
    assert!(!first.is_final);
    assert_eq!(
        store.get_transcript(&new_call.id).await.unwrap(),
        Some(first.clone())
    );

    let shorter = Transcript {
        segments: sample_transcript().segments[..1].to_vec(),
    };
    let replaced = store
        .save_transcript(&new_call.id, &shorter, "openai", false)
        .await
        .unwrap();
    assert_eq!(replaced.transcript, shorter);
    assert_eq!(replaced.provider, "openai");
    assert_eq!(replaced.created_at, first.created_at);
    assert!(replaced.updated_at >= first.updated_at);

    store.mark_transcript_final(&new_call.id).await.unwrap();
    let stored = store.get_transcript(&new_call.id).await.unwrap().unwrap();
    assert!(stored.is_final);
    assert_eq!(
        port.load_transcript(&new_call.id).await.unwrap(),
        Some(shorter)
    );
}

async fn transcript_errors(db: &TestStore) {
    let store = &db.store;
    let unknown = CallId::generate();
    let without_transcript = new_call(store).await;

    let save = store
        .save_transcript(&unknown, &sample_transcript(), "local", true)
        .await;
    assert!(matches!(save, Err(Error::CallNotFound(id)) if id == unknown));

    let mark = store.mark_transcript_final(&without_transcript).await;
    assert!(matches!(mark, Err(Error::TranscriptNotFound(id)) if id == without_transcript));

    let port: &dyn InsightsStore = store;
    let error = port.load_transcript(&unknown).await.unwrap_err();
    let store_error = error.downcast_ref::<StoreError>();
    assert!(matches!(store_error, Some(StoreError::CallNotFound(id)) if *id == unknown));
}

async fn one_active_job_per_call(db: &TestStore) {
    let store = &db.store;
    let call_id = new_call(store).await;

    let first = store.create_or_get_active_job(&call_id).await.unwrap();
    assert!(first.created);
    assert_eq!(first.job.status, JobStatus::Pending);
    assert_eq!(first.job.stage, JobStage::Queued);
    assert_eq!(first.job.attempt, 0);

    let second = store.create_or_get_active_job(&call_id).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.job, first.job);

    let job_id = first.job.id.clone();
    store
        .start_job(&job_id, &call_id, "run-1", JobStage::Fetching)
        .await
        .unwrap();
    let while_processing = store.create_or_get_active_job(&call_id).await.unwrap();
    assert!(!while_processing.created);
    assert_eq!(while_processing.job.id, job_id);

    let saved = store
        .save_insights(&job_id, &call_id, &sample_insights("Done."))
        .await
        .unwrap();
    assert_eq!(saved, Transition::Applied);

    let next = store.create_or_get_active_job(&call_id).await.unwrap();
    assert!(next.created);
    assert_ne!(next.job.id, job_id);
    assert_eq!(
        store.latest_job_for_call(&call_id).await.unwrap(),
        Some(next.job)
    );

    let unknown = CallId::generate();
    let missing = store.create_or_get_active_job(&unknown).await;
    assert!(matches!(missing, Err(Error::CallNotFound(id)) if id == unknown));
}

async fn concurrent_job_creation_agrees(db: &TestStore) {
    let call_id = new_call(&db.store).await;

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = db.store.clone();
            let call_id = call_id.clone();
            tokio::spawn(async move { store.create_or_get_active_job(&call_id).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }

    let created = results.iter().filter(|active| active.created).count();
    assert_eq!(created, 1);
    let job_id = &results[0].job.id;
    assert!(results.iter().all(|active| &active.job.id == job_id));
}

async fn guarded_transitions(db: &TestStore) {
    let store = &db.store;
    let call_id = new_call(store).await;
    let job_id = store
        .create_or_get_active_job(&call_id)
        .await
        .unwrap()
        .job
        .id;

    let stage_while_pending = store.set_stage(&job_id, JobStage::Analyzing).await.unwrap();
    assert_eq!(stage_while_pending, Transition::Skipped);

    let start = store
        .start_job(&job_id, &call_id, "run-1", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(start, Transition::Applied);
    let started = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(started.status, JobStatus::Processing);
    assert_eq!(started.attempt, 1);
    assert_eq!(started.run_id.as_deref(), Some("run-1"));
    assert!(started.started_at.is_some());

    let retry = store
        .start_job(&job_id, &call_id, "run-2", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(retry, Transition::Applied);
    let retried = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(retried.attempt, 2);
    assert_eq!(retried.run_id.as_deref(), Some("run-2"));
    assert_eq!(retried.started_at, started.started_at);

    store
        .save_insights(&job_id, &call_id, &sample_insights("Done."))
        .await
        .unwrap();

    let restart = store
        .start_job(&job_id, &call_id, "run-3", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(restart, Transition::Skipped);
    let fail = store.fail_job(&job_id, "late failure").await.unwrap();
    assert_eq!(fail, Transition::Skipped);
    let stage = store.set_stage(&job_id, JobStage::Saving).await.unwrap();
    assert_eq!(stage, Transition::Skipped);

    let completed = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(completed.status, JobStatus::Completed);
    assert_eq!(completed.stage, JobStage::Done);
    assert_eq!(completed.run_id.as_deref(), Some("run-2"));
    assert_eq!(completed.error_message, None);

    let pending_call = new_call(store).await;
    let pending = store
        .create_or_get_active_job(&pending_call)
        .await
        .unwrap()
        .job
        .id;
    assert_eq!(
        store.fail_job(&pending, "cancelled").await.unwrap(),
        Transition::Applied
    );
    let after_failure = store
        .start_job(&pending, &pending_call, "run-1", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(after_failure, Transition::Skipped);
    let failed = store.get_job(&pending).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.started_at, None);
}

async fn start_job_creates_missing_job(db: &TestStore) {
    let store = &db.store;
    let call_id = new_call(store).await;
    let job_id = JobId::generate();
    assert_eq!(store.get_job(&job_id).await.unwrap(), None);

    let port: &dyn InsightsStore = store;
    let start = port
        .start_job(&job_id, &call_id, "run-1", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(start, Transition::Applied);

    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.call_id, call_id);
    assert_eq!(job.status, JobStatus::Processing);
    assert_eq!(job.stage, JobStage::Fetching);
    assert_eq!(job.attempt, 1);

    let other_job = JobId::generate();
    let second = port
        .start_job(&other_job, &call_id, "run-2", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(second, Transition::Skipped);
    assert_eq!(store.get_job(&other_job).await.unwrap(), None);

    let other_call = new_call(store).await;
    let wrong_call = port
        .start_job(&job_id, &other_call, "run-3", JobStage::Fetching)
        .await
        .unwrap();
    assert_eq!(wrong_call, Transition::Skipped);
    let unchanged = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(unchanged.call_id, call_id);
    assert_eq!(unchanged.run_id.as_deref(), Some("run-1"));
}

async fn start_job_rejects_unknown_call(db: &TestStore) {
    let port: &dyn InsightsStore = &db.store;
    let unknown = CallId::generate();
    let job_id = JobId::generate();

    let error = port
        .start_job(&job_id, &unknown, "run-1", JobStage::Fetching)
        .await
        .unwrap_err();

    let store_error = error.downcast_ref::<StoreError>();
    assert!(matches!(store_error, Some(StoreError::CallNotFound(id)) if *id == unknown));
    assert_eq!(db.store.get_job(&job_id).await.unwrap(), None);
}

async fn save_insights_twice_keeps_one_row(db: &TestStore) {
    let store = &db.store;
    let (call_id, job_id) = processing_job(store).await;
    let port: &dyn InsightsStore = store;

    let first = port
        .save_insights(&job_id, &call_id, &sample_insights("First summary."))
        .await
        .unwrap();
    assert_eq!(first, Transition::Applied);
    let replay = port
        .save_insights(&job_id, &call_id, &sample_insights("Second summary."))
        .await
        .unwrap();
    assert_eq!(replay, Transition::Skipped);

    assert_eq!(db.count_insights_rows(&job_id).await, 1);
    let by_job = store.get_insights_by_job(&job_id).await.unwrap().unwrap();
    assert_eq!(by_job.insights, sample_insights("First summary."));
    assert_eq!(by_job.call_id, call_id);
    let by_call = store.get_insights_by_call(&call_id).await.unwrap().unwrap();
    assert_eq!(by_call, by_job);

    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.stage, JobStage::Done);
    assert!(job.completed_at.is_some());
}

async fn concurrent_saves_complete_once(db: &TestStore) {
    let (call_id, job_id) = processing_job(&db.store).await;

    let tasks: Vec<_> = ["First.", "Second.", "Third."]
        .into_iter()
        .map(|summary| {
            let store = db.store.clone();
            let call_id = call_id.clone();
            let job_id = job_id.clone();
            tokio::spawn(async move {
                store
                    .save_insights(&job_id, &call_id, &sample_insights(summary))
                    .await
            })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() == Transition::Applied {
            applied += 1;
        }
    }

    assert_eq!(applied, 1);
    assert_eq!(db.count_insights_rows(&job_id).await, 1);
}

async fn fail_job_records_failure(db: &TestStore) {
    let store = &db.store;
    let (_, job_id) = processing_job(store).await;
    store.set_stage(&job_id, JobStage::Analyzing).await.unwrap();

    let port: &dyn InsightsStore = store;
    let fail = port
        .fail_job(&job_id, "analyzer returned 400")
        .await
        .unwrap();
    assert_eq!(fail, Transition::Applied);

    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.stage, JobStage::Analyzing);
    assert_eq!(job.error_message.as_deref(), Some("analyzer returned 400"));
    let completed_at = job.completed_at.unwrap();
    assert!(completed_at >= job.started_at.unwrap());
    assert_eq!(job.updated_at, completed_at);

    let again = port.fail_job(&job_id, "second message").await.unwrap();
    assert_eq!(again, Transition::Skipped);
    let unchanged = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(
        unchanged.error_message.as_deref(),
        Some("analyzer returned 400")
    );
}

async fn stage_updates(db: &TestStore) {
    let store = &db.store;
    let (call_id, job_id) = processing_job(store).await;
    let before = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(before.stage, JobStage::Fetching);

    for stage in [JobStage::Analyzing, JobStage::Saving] {
        let port: &dyn InsightsStore = store;
        assert_eq!(
            port.set_stage(&job_id, stage).await.unwrap(),
            Transition::Applied
        );
        let job = store.get_job(&job_id).await.unwrap().unwrap();
        assert_eq!(job.stage, stage);
        assert_eq!(job.status, JobStatus::Processing);
        assert!(job.updated_at >= before.updated_at);
    }

    store
        .save_insights(&job_id, &call_id, &sample_insights("Done."))
        .await
        .unwrap();
    let done = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(done.stage, JobStage::Done);
}

async fn stale_jobs_listed_and_reaped(db: &TestStore) {
    let store = &db.store;
    let (stale_call, stale) = processing_job(store).await;
    let pending_call = new_call(store).await;
    store.create_or_get_active_job(&pending_call).await.unwrap();
    let (done_call, done) = processing_job(store).await;
    store
        .save_insights(&done, &done_call, &sample_insights("Done."))
        .await
        .unwrap();

    let stale_job = store.get_job(&stale).await.unwrap().unwrap();
    let after_everything = stale_job.updated_at + Duration::hours(1);
    let listed = store.list_stale_jobs(after_everything).await.unwrap();
    assert_eq!(listed, vec![stale_job.clone()]);

    // The bound is exclusive: a job updated exactly at `older_than` is fresh.
    let at_update = stale_job.updated_at;
    assert_eq!(store.list_stale_jobs(at_update).await.unwrap(), vec![]);
    let too_recent = store
        .fail_stale_job(&stale, at_update, "stale")
        .await
        .unwrap();
    assert_eq!(too_recent, Transition::Skipped);

    let reaped = store
        .fail_stale_job(&stale, after_everything, "no live run")
        .await
        .unwrap();
    assert_eq!(reaped, Transition::Applied);
    let failed = store.get_job(&stale).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error_message.as_deref(), Some("no live run"));
    assert!(failed.completed_at.is_some());

    assert_eq!(
        store.list_stale_jobs(after_everything).await.unwrap(),
        vec![]
    );
    let again = store
        .fail_stale_job(&stale, after_everything, "no live run")
        .await
        .unwrap();
    assert_eq!(again, Transition::Skipped);
    assert!(
        store
            .create_or_get_active_job(&stale_call)
            .await
            .unwrap()
            .created
    );
}

async fn reconnect_and_transaction_pooler_options(db: &TestStore) {
    let call_id = new_call(&db.store).await;

    let again = Store::connect(&db.url).await.unwrap();
    assert!(again.get_call(&call_id).await.unwrap().is_some());

    let pooled = Store::connect_with(&db.url, StoreOptions::transaction_pooler())
        .await
        .unwrap();
    for _ in 0..3 {
        let call = pooled.get_call(&call_id).await.unwrap();
        assert_eq!(call.map(|call| call.id), Some(call_id.clone()));
    }
    let job = pooled.create_or_get_active_job(&call_id).await.unwrap();
    assert!(job.created);
}

#[tokio::test]
async fn unsupported_scheme_names_it() {
    let error = Store::connect("mysql://user:secret@localhost/app")
        .await
        .unwrap_err();

    assert!(matches!(&error, Error::UnsupportedScheme { scheme } if scheme == "mysql"));
    let message = error.to_string();
    assert!(message.contains("\"mysql\""), "{message}");
    assert!(message.contains("postgres://"), "{message}");
    assert!(!message.contains("secret"), "{message}");
}

#[tokio::test]
async fn sqlite_file_path_creates_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/app.db");

    let store = Store::connect(path.to_str().unwrap()).await.unwrap();
    let call_id = new_call(&store).await;

    assert!(path.is_file());
    assert!(store.get_call(&call_id).await.unwrap().is_some());
    assert!(!store.is_postgres());
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let store = Store::connect("sqlite::memory:").await.unwrap();

    let call_id = new_call(&store).await;
    let job = store.create_or_get_active_job(&call_id).await.unwrap();

    assert_eq!(store.get_job(&job.job.id).await.unwrap(), Some(job.job));
}

#[tokio::test]
async fn sqlite_stores_rfc3339_text() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("time.db").display());
    let store = Store::connect(&url).await.unwrap();
    let call = store
        .create_call(&NewCall::new("Timestamps"))
        .await
        .unwrap();

    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let text: String = sqlx::query_scalar("SELECT created_at FROM calls WHERE id = $1")
        .bind(call.id.as_str())
        .fetch_one(&mut connection)
        .await
        .unwrap();

    let parsed =
        OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(parsed, call.created_at);
    assert_eq!(text.len(), "2024-05-01T12:00:00.000Z".len(), "{text}");
    assert!(text.ends_with('Z'), "{text}");
}
