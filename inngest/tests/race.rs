//! `step.race` and fan-out over a `Vec` of steps.

use bytes::Bytes;
use http::{HeaderMap, Method};
use inngest::serve::{ServeConfig, ServeHandler, ServeRequest};
use inngest::step_id::StepHash;
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use url::Url;

fn app() -> App {
    App::new("lab")
        .function(
            Function::builder("race")
                .trigger(Trigger::event("lab/run"))
                .build(|_: Context<Value>, step: Step| async move {
                    let fast = step.run("fast", || async { Ok::<_, Error>(json!("fast")) });
                    let slow = step.run("slow", || async { Ok::<_, Error>(json!("slow")) });
                    let (winner, value) = step.race(vec![Box::pin(fast), Box::pin(slow)]).await?;
                    Ok::<_, Error>(json!({ "winner": winner, "value": value }))
                }),
        )
        .function(
            Function::builder("fan-out")
                .trigger(Trigger::event("lab/run"))
                .build(|ctx: Context<Value>, step: Step| async move {
                    let count = ctx.event.data["count"].as_u64().unwrap_or(0);
                    let steps = (0..count).map(|index| {
                        let step = step.clone();
                        async move {
                            step.run("chunk", || async move { Ok::<_, Error>(index * 10) })
                                .await
                        }
                    });
                    let results: Result<Vec<u64>, Error> =
                        futures::future::join_all(steps).await.into_iter().collect();
                    Ok::<_, Error>(json!(results?))
                }),
        )
}

async fn call(function: &str, data: Value, steps: Value, stack: Vec<&str>) -> (u16, Value) {
    let handler = ServeHandler::new(
        app(),
        ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap()),
    );
    let stack: Vec<String> = stack
        .iter()
        .map(|id| StepHash::of(id).as_str().to_owned())
        .collect();
    let event = json!({ "name": "lab/run", "data": data, "id": "01E", "ts": 1 });
    let body = json!({
        "event": event, "events": [event], "steps": steps, "version": 2,
        "ctx": { "run_id": "01R", "attempt": 0, "max_attempts": 4, "stack": { "stack": stack, "current": stack.len() } },
    });
    let response = handler
        .handle(ServeRequest {
            method: Method::POST,
            uri: format!("/api/inngest?fnId=lab-{function}&stepId=step")
                .parse()
                .unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
        })
        .await;
    (
        response.status.as_u16(),
        serde_json::from_slice(&response.body).unwrap(),
    )
}

fn memo(pairs: &[(&str, Value)]) -> Value {
    let map: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(id, value)| {
            (
                StepHash::of(id).as_str().to_owned(),
                json!({ "data": value }),
            )
        })
        .collect();
    Value::Object(map)
}

#[tokio::test]
async fn race_reports_both_branches_in_race_mode() {
    let (status, ops) = call("race", json!({}), json!({}), vec![]).await;

    assert_eq!(status, 206);
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), 2);
    for op in ops {
        assert_eq!(op["op"], "StepPlanned");
        assert_eq!(op["opts"]["parallelMode"], "race");
    }
}

#[tokio::test]
async fn race_winner_is_the_first_completed_in_the_stack() {
    let both = memo(&[("fast", json!("fast")), ("slow", json!("slow"))]);

    let (_, slow_first) = call("race", json!({}), both.clone(), vec!["slow", "fast"]).await;
    let (_, fast_first) = call("race", json!({}), both, vec!["fast", "slow"]).await;

    assert_eq!(slow_first, json!({ "winner": 1, "value": "slow" }));
    assert_eq!(fast_first, json!({ "winner": 0, "value": "fast" }));
}

#[tokio::test]
async fn race_with_one_finished_branch_returns_it() {
    let (status, body) = call(
        "race",
        json!({}),
        memo(&[("slow", json!("slow"))]),
        vec!["slow"],
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(body, json!({ "winner": 1, "value": "slow" }));
}

#[tokio::test]
async fn fan_out_over_a_vec_plans_every_chunk_with_repeat_ids() {
    let (status, ops) = call("fan-out", json!({ "count": 12 }), json!({}), vec![]).await;

    assert_eq!(status, 206);
    let ids: Vec<String> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = vec![StepHash::of("chunk").as_str().to_owned()];
    expected
        .extend((1..12).map(|index| StepHash::of(&format!("chunk:{index}")).as_str().to_owned()));
    assert_eq!(ids, expected);

    let done: Vec<(String, Value)> = std::iter::once(("chunk".to_owned(), json!(0)))
        .chain((1..12).map(|index| (format!("chunk:{index}"), json!(index * 10))))
        .collect();
    let pairs: Vec<(&str, Value)> = done
        .iter()
        .map(|(id, value)| (id.as_str(), value.clone()))
        .collect();
    let stack: Vec<&str> = done.iter().map(|(id, _)| id.as_str()).collect();
    let (status, body) = call("fan-out", json!({ "count": 12 }), memo(&pairs), stack).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!((0..12).map(|index| index * 10).collect::<Vec<u64>>())
    );
}
