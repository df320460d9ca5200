//! Store scenarios for concurrency limits and cancellation, run on every
//! backend by `tests.rs`.

use inngest::executor::{
    Commit, ConcurrencyKey, ExecutorStore, Job, RunRecord, RunStatus, RunUpdate,
};
use inngest::wire::Event;
use serde_json::json;

fn keyed_run(id: &str, key: &str, limit: u32) -> (RunRecord, Job) {
    let run = RunRecord::start(
        id.to_owned(),
        "app-a".to_owned(),
        vec![Event::new("test/start", json!({}))],
        10,
    )
    .with_concurrency(vec![ConcurrencyKey {
        key: key.to_owned(),
        limit,
    }]);
    let job = Job::call(format!("{id}-start"), id, "step", 10);
    (run, job)
}

fn ids(jobs: &[Job]) -> Vec<&str> {
    jobs.iter().map(|job| job.id.as_str()).collect()
}

pub(super) async fn claims_respect_concurrency_keys(store: &dyn ExecutorStore) {
    let (r1, j1) = keyed_run("r1", "fn:app-a:k=1", 1);
    let (r2, j2) = keyed_run("r2", "fn:app-a:k=1", 1);
    let (r3, j3) = keyed_run("r3", "fn:app-a:k=2", 1);
    let (r4, j4) = keyed_run("r4", "fn:app-a:k=1", 1);
    let mut r4_timer = Job::call("r4-timer".to_owned(), "r4", "hash", 10);
    r4_timer.kind = inngest::executor::JobKind::Timer;
    store
        .commit(&Commit {
            new_runs: vec![(r1.clone(), j1), (r2, j2), (r3, j3), (r4, j4)],
            jobs: vec![r4_timer],
            ..Commit::default()
        })
        .await
        .expect("committed");
    assert_eq!(
        store.run("r1").await.expect("readable"),
        Some(r1),
        "the keys are stored with the run"
    );

    let claimed = store.claim_jobs(50, 1_000, 10).await.expect("claimed");
    assert_eq!(
        ids(&claimed),
        ["r1-start", "r3-start", "r4-timer"],
        "one call per key, and timers are never limited"
    );
    let claimed = store.claim_jobs(60, 1_000, 10).await.expect("claimed");
    assert!(claimed.is_empty(), "key 1 is still busy: {claimed:?}");

    store
        .commit(&Commit {
            complete_job: Some("r1-start".to_owned()),
            ..Commit::default()
        })
        .await
        .expect("committed");
    let claimed = store.claim_jobs(70, 1_000, 10).await.expect("claimed");
    assert_eq!(
        ids(&claimed),
        ["r2-start"],
        "the oldest waiting call of the key"
    );

    let claimed = store.claim_jobs(2_000, 3_000, 10).await.expect("claimed");
    assert_eq!(
        ids(&claimed),
        ["r2-start", "r3-start", "r4-timer"],
        "an expired lease frees its slot, so the call is claimed again"
    );
}

pub(super) async fn cancel_drops_jobs_and_freezes_the_run(store: &dyn ExecutorStore) {
    let (run, job) = keyed_run("r1", "fn:app-a:k=1", 1);
    let next = Job::call("r1-next".to_owned(), "r1", "step", 10);
    store
        .commit(&Commit {
            new_runs: vec![(run, job)],
            jobs: vec![next],
            ..Commit::default()
        })
        .await
        .expect("committed");

    let mut cancel = RunUpdate::of("r1");
    cancel.status = Some(RunStatus::Cancelled);
    cancel.ended_at = Some(50);
    store
        .commit(&Commit {
            run_updates: vec![cancel],
            drop_jobs_of: vec!["r1".to_owned()],
            ..Commit::default()
        })
        .await
        .expect("committed");
    assert!(store.queued_jobs("r1").await.expect("readable").is_empty());
    assert!(
        store
            .running_runs("app-a")
            .await
            .expect("readable")
            .is_empty()
    );

    let mut late = RunUpdate::of("r1");
    late.status = Some(RunStatus::Completed);
    late.output = Some(json!({ "late": true }));
    store
        .commit(&Commit {
            run_updates: vec![late],
            ..Commit::default()
        })
        .await
        .expect("committed");
    let run = store.run("r1").await.expect("readable").expect("stored");
    assert_eq!(
        run.status,
        RunStatus::Cancelled,
        "a late reply ended the run again"
    );
    assert_eq!(run.output, None);
}
