//! The executor stores against real databases: a temporary SQLite file, and
//! PostgreSQL when a test database is configured, with the real migrations.

use std::sync::Arc;
use std::time::Duration;

use inngest::executor::{
    AppRecord, Backoff, Commit, EventTrigger, Executor, ExecutorOptions, ExecutorStore,
    FunctionRecord, Job, JobRetry, Resume, RunProgress, RunRecord, RunStatus, RunUpdate,
    StepResult, StoredEvent, Wait, WaitResolution,
};
use inngest::serve::{ServeConfig, ServeHandler};
use inngest::wire::Event;
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::{SqliteExecutorStore, limit_scenarios};

async fn store() -> (SqliteExecutorStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("executor.db"))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .expect("SQLite opens");
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .expect("migrations apply");
    (SqliteExecutorStore::new(pool), dir)
}

fn function(id: &str) -> FunctionRecord {
    FunctionRecord {
        id: id.to_owned(),
        app_id: "app".to_owned(),
        name: id.to_owned(),
        triggers: vec![EventTrigger {
            event: "test/start".to_owned(),
            expression: None,
        }],
        url: "http://127.0.0.1:1/api/inngest?fnId=app-a&stepId=step".to_owned(),
        retries: 2,
        failure_handler: None,
        concurrency: Vec::new(),
        cancel: Vec::new(),
    }
}

fn stored_event(internal_id: &str, id: &str, at: i64) -> StoredEvent {
    StoredEvent {
        internal_id: internal_id.to_owned(),
        event: Event::new("test/start", json!({})).with_id(id),
        received_at: at,
    }
}

fn new_run(id: &str) -> (RunRecord, Job) {
    let run = RunRecord::start(
        id.to_owned(),
        "app-a".to_owned(),
        vec![Event::new("test/start", json!({"n": 1}))],
        10,
    );
    let job = Job::call(format!("{id}-start"), id, "step", 10);
    (run, job)
}

fn step(run_id: &str, hash: &str, fan_in: bool) -> StepResult {
    StepResult {
        run_id: run_id.to_owned(),
        hash: hash.to_owned(),
        value: json!({ "data": hash }),
        resume: Some(Resume {
            job: Job::call(format!("{run_id}-{hash}"), run_id, "step", 20),
            fan_in,
        }),
    }
}

async fn apps_replace_functions_and_report_changes(store: &dyn ExecutorStore) {
    let mut app = AppRecord {
        id: "app".to_owned(),
        url: "http://127.0.0.1:1/api/inngest".to_owned(),
        functions: vec![function("app-a"), function("app-b")],
    };

    assert!(store.save_app(&app).await.expect("saved"));
    assert!(
        !store.save_app(&app).await.expect("saved"),
        "an identical sync is not a change"
    );
    app.functions.pop();
    assert!(store.save_app(&app).await.expect("saved"));

    let functions = store.functions().await.expect("readable");
    assert_eq!(functions, vec![function("app-a")]);
}

async fn repeated_event_ids_trigger_once(store: &dyn ExecutorStore) {
    assert!(
        store
            .record_event(&stored_event("e1", "order-1", 100), 0)
            .await
            .expect("stored")
    );
    assert!(
        !store
            .record_event(&stored_event("e2", "order-1", 200), 0)
            .await
            .expect("stored")
    );
    assert!(
        store
            .record_event(&stored_event("e3", "order-1", 300), 250)
            .await
            .expect("stored"),
        "outside the window"
    );
    assert!(
        store
            .record_event(&stored_event("e4", "order-2", 300), 0)
            .await
            .expect("stored")
    );
}

async fn claims_respect_due_time_and_leases(store: &dyn ExecutorStore) {
    let (run, job) = new_run("r1");
    let mut later = Job::call("r1-later".to_owned(), "r1", "step", 1_000);
    later.attempt = 3;
    store
        .commit(&Commit {
            new_runs: vec![(run.clone(), job.clone())],
            jobs: vec![later.clone()],
            ..Commit::default()
        })
        .await
        .expect("committed");

    assert_eq!(store.run("r1").await.expect("readable"), Some(run));
    assert_eq!(
        store.claim_jobs(50, 100, 10).await.expect("claimed"),
        vec![job.clone()]
    );
    assert!(
        store
            .claim_jobs(60, 110, 10)
            .await
            .expect("claimed")
            .is_empty(),
        "a leased job is not claimed twice"
    );
    assert_eq!(
        store.claim_jobs(101, 200, 10).await.expect("claimed"),
        vec![job.clone()],
        "an expired lease is claimed again"
    );
    assert_eq!(
        store.claim_jobs(2_000, 2_100, 1).await.expect("claimed"),
        vec![job.clone()],
        "the limit takes the oldest due job"
    );
    assert_eq!(
        store.claim_jobs(2_001, 2_100, 10).await.expect("claimed"),
        vec![later]
    );

    store
        .commit(&Commit {
            retry_job: Some(JobRetry {
                job_id: job.id.clone(),
                attempt: 1,
                available_at: 5_000,
            }),
            ..Commit::default()
        })
        .await
        .expect("committed");
    let queued = store.queued_jobs("r1").await.expect("readable");
    let retried = queued
        .iter()
        .find(|queued| queued.id == job.id)
        .expect("job still queued");
    assert_eq!((retried.attempt, retried.available_at), (1, 5_000));

    store
        .commit(&Commit {
            complete_job: Some(job.id.clone()),
            ..Commit::default()
        })
        .await
        .expect("committed");
    assert!(
        store
            .claim_jobs(10_000, 10_100, 10)
            .await
            .expect("claimed")
            .iter()
            .all(|claimed| claimed.id != job.id)
    );
}

async fn steps_keep_stack_order_and_ignore_duplicates(store: &dyn ExecutorStore) {
    let (run, job) = new_run("r1");
    store
        .commit(&Commit {
            new_runs: vec![(run, job)],
            ..Commit::default()
        })
        .await
        .expect("committed");

    for hash in ["b", "a", "b"] {
        store
            .commit(&Commit {
                steps: vec![step("r1", hash, false)],
                ..Commit::default()
            })
            .await
            .expect("committed");
    }

    let hashes: Vec<String> = store
        .steps("r1")
        .await
        .expect("readable")
        .into_iter()
        .map(|entry| entry.hash)
        .collect();
    assert_eq!(hashes, ["b", "a"]);
    let queued: Vec<String> = store
        .queued_jobs("r1")
        .await
        .expect("readable")
        .into_iter()
        .map(|job| job.id)
        .collect();
    assert!(queued.contains(&"r1-a".to_owned()));
    assert_eq!(queued.iter().filter(|id| *id == "r1-b").count(), 1);
}

async fn fan_in_enqueues_after_last_branch(store: &dyn ExecutorStore) {
    let (run, job) = new_run("r1");
    let mut update = RunUpdate::of("r1");
    update.force_plan = Some(true);
    update.pending = Some(vec!["x".to_owned(), "y".to_owned()]);
    update.request_version = Some(2);
    store
        .commit(&Commit {
            new_runs: vec![(run, job)],
            run_updates: vec![update],
            ..Commit::default()
        })
        .await
        .expect("committed");

    store
        .commit(&Commit {
            steps: vec![step("r1", "x", true)],
            ..Commit::default()
        })
        .await
        .expect("committed");
    let after_first = store
        .run("r1")
        .await
        .expect("readable")
        .expect("run stored");
    assert_eq!(after_first.pending, ["y"]);
    assert!(after_first.force_plan);
    assert!(
        store
            .queued_jobs("r1")
            .await
            .expect("readable")
            .iter()
            .all(|job| job.id != "r1-x")
    );

    store
        .commit(&Commit {
            steps: vec![step("r1", "y", true)],
            ..Commit::default()
        })
        .await
        .expect("committed");
    let after_last = store
        .run("r1")
        .await
        .expect("readable")
        .expect("run stored");
    assert!(after_last.pending.is_empty());
    assert!(!after_last.force_plan);
    assert!(
        store
            .queued_jobs("r1")
            .await
            .expect("readable")
            .iter()
            .any(|job| job.id == "r1-y")
    );
}

async fn waits_resolve_once(store: &dyn ExecutorStore) {
    let (run, job) = new_run("r1");
    let wait = Wait {
        id: "r1-w".to_owned(),
        run_id: "r1".to_owned(),
        step_id: "w".to_owned(),
        event: Some("test/resume".to_owned()),
        expression: Some("async.data.ok == true".to_owned()),
        expires_at: Some(500),
        expiry_value: Value::Null,
    };
    store
        .commit(&Commit {
            new_runs: vec![(run, job)],
            waits: vec![wait.clone()],
            ..Commit::default()
        })
        .await
        .expect("committed");
    assert_eq!(
        store
            .waits_for_event("test/resume")
            .await
            .expect("readable"),
        vec![wait.clone()]
    );
    assert_eq!(store.wait("r1-w").await.expect("readable"), Some(wait));

    let mut by_event = step("r1", "w", false);
    by_event.value = json!({ "name": "test/resume" });
    let mut by_timeout = step("r1", "w", false);
    by_timeout.value = Value::Null;
    for result in [by_event, by_timeout] {
        let resolution = WaitResolution {
            wait_id: "r1-w".to_owned(),
            result,
        };
        store
            .commit(&Commit {
                resolve_waits: vec![resolution],
                ..Commit::default()
            })
            .await
            .expect("committed");
    }

    let steps = store.steps("r1").await.expect("readable");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].value, json!({ "name": "test/resume" }));
    assert!(store.wait("r1-w").await.expect("readable").is_none());
}

async fn run_updates_keep_unset_fields(store: &dyn ExecutorStore) {
    let (run, job) = new_run("r1");
    store
        .commit(&Commit {
            new_runs: vec![(run, job)],
            ..Commit::default()
        })
        .await
        .expect("committed");

    let mut version = RunUpdate::of("r1");
    version.request_version = Some(2);
    let mut end = RunUpdate::of("r1");
    end.status = Some(RunStatus::Completed);
    end.output = Some(json!({ "ok": true }));
    end.ended_at = Some(99);
    store
        .commit(&Commit {
            run_updates: vec![version, end],
            ..Commit::default()
        })
        .await
        .expect("committed");

    let run = store
        .run("r1")
        .await
        .expect("readable")
        .expect("run stored");
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.request_version, 2);
    assert_eq!(run.output, Some(json!({ "ok": true })));
    assert_eq!(run.ended_at, Some(99));
    assert_eq!(store.runs(Some("app-a")).await.expect("readable").len(), 1);
    assert!(
        store
            .runs(Some("app-b"))
            .await
            .expect("readable")
            .is_empty()
    );
}

/// Every store scenario, run on one backend.
const SCENARIOS: &[&str] = &[
    "apps_replace_functions_and_report_changes",
    "repeated_event_ids_trigger_once",
    "claims_respect_due_time_and_leases",
    "steps_keep_stack_order_and_ignore_duplicates",
    "fan_in_enqueues_after_last_branch",
    "waits_resolve_once",
    "run_updates_keep_unset_fields",
    "claims_respect_concurrency_keys",
    "cancel_drops_jobs_and_freezes_the_run",
];

async fn run_scenario(name: &str, store: &dyn ExecutorStore) {
    match name {
        "apps_replace_functions_and_report_changes" => {
            apps_replace_functions_and_report_changes(store).await
        }
        "repeated_event_ids_trigger_once" => repeated_event_ids_trigger_once(store).await,
        "claims_respect_due_time_and_leases" => claims_respect_due_time_and_leases(store).await,
        "steps_keep_stack_order_and_ignore_duplicates" => {
            steps_keep_stack_order_and_ignore_duplicates(store).await
        }
        "fan_in_enqueues_after_last_branch" => fan_in_enqueues_after_last_branch(store).await,
        "waits_resolve_once" => waits_resolve_once(store).await,
        "run_updates_keep_unset_fields" => run_updates_keep_unset_fields(store).await,
        "claims_respect_concurrency_keys" => {
            limit_scenarios::claims_respect_concurrency_keys(store).await
        }
        "cancel_drops_jobs_and_freezes_the_run" => {
            limit_scenarios::cancel_drops_jobs_and_freezes_the_run(store).await
        }
        other => panic!("unknown scenario {other}"),
    }
}

#[tokio::test]
async fn sqlite_store_scenarios() {
    for name in SCENARIOS {
        let (store, _dir) = store().await;
        run_scenario(name, &store).await;
    }
}

/// Runs the scenarios on PostgreSQL when `EXECUTOR_TEST_POSTGRES_URL` names
/// a database the test may fill, each in a fresh schema; skipped otherwise.
#[tokio::test]
async fn postgres_store_scenarios() {
    let Ok(url) = std::env::var("EXECUTOR_TEST_POSTGRES_URL") else {
        return;
    };
    for (index, name) in SCENARIOS.iter().enumerate() {
        let schema = format!("executor_test_{}_{index}", std::process::id());
        let admin = sqlx::PgPool::connect(&url)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&admin)
        .await
        .expect("schema dropped");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("schema created");
        let options: sqlx::postgres::PgConnectOptions = url.parse().expect("valid PostgreSQL URL");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_with(options.options([("search_path", schema.as_str())]))
            .await
            .expect("PostgreSQL reachable");
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .expect("migrations apply");
        run_scenario(name, &super::PgExecutorStore::new(pool)).await;
    }
}

#[tokio::test]
async fn executor_completes_parallel_run_on_sqlite() {
    let (store, _dir) = store().await;
    let function = Function::builder("fan")
        .trigger(Trigger::event("test/fan"))
        .build(|_ctx: Context<Value>, step: Step| async move {
            let (one, two) = futures::join!(
                step.run("one", || async { Ok::<_, Error>(1u32) }),
                step.run("two", || async { Ok::<_, Error>(2u32) }),
            );
            let sum = one? + two?;
            step.sleep("pause", Duration::from_secs(1)).await?;
            let total: u32 = step
                .run("total", || async move { Ok::<_, Error>(sum * 10) })
                .await?;
            Ok(json!(total))
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("listener address").port();
    let config = ServeConfig::dev("http://127.0.0.1:9/".parse().expect("static URL"));
    let router = inngest::serve::router(
        "/api/inngest",
        ServeHandler::new(App::new("app").function(function), config),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });

    let options = ExecutorOptions {
        backoff: Backoff::Fixed(Duration::from_millis(20)),
        poll_interval: Duration::from_millis(20),
        ..ExecutorOptions::default()
    };
    let executor = Executor::new(Arc::new(store), options);
    executor
        .sync_app(&format!("http://127.0.0.1:{port}/api/inngest"))
        .await
        .expect("in-band sync succeeds");
    let mut progress = executor.subscribe();
    let handle = executor.start();
    executor
        .send(vec![Event::new("test/fan", json!({}))])
        .await
        .expect("event accepted");

    let run_id = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match progress.recv().await.expect("progress channel open") {
                RunProgress::RunCompleted { run_id, .. }
                | RunProgress::RunFailed { run_id, .. } => return run_id,
                _ => {}
            }
        }
    })
    .await
    .expect("the run ended");
    let run = executor
        .run(&run_id)
        .await
        .expect("readable")
        .expect("run stored");
    handle.shutdown().await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!(30)));
    assert_eq!(
        executor
            .store()
            .steps(&run_id)
            .await
            .expect("readable")
            .len(),
        4
    );
}
