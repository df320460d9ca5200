//! Rust versions of the functions the official SDK ran to record the vectors.

use std::time::Duration;

use inngest::{
    App, Context, Error, Function, FunctionFailed, RetryAfter, Step, Trigger, WaitForEvent,
};
use serde_json::{Value, json};

/// The three-step insights function with its failure handler (app `call-insights`).
pub fn call_insights_app() -> App {
    let generate = Function::builder("generate-call-insights")
        .trigger(Trigger::event("insights/start"))
        .retries(3)
        .on_failure(
            |ctx: Context<FunctionFailed<Value>>, _step: Step| async move {
                let failed = ctx.event.data;
                Ok(json!({
                    "handled": true,
                    "failed_function": failed.function_id,
                    "original_event": failed.event.name,
                    "error_name": failed.error.name,
                    "error_message": failed.error.message,
                }))
            },
        )
        .build(|ctx: Context<Value>, step: Step| async move {
            let call_id = ctx.event.data["call_id"].clone();
            let fetched: Value = step
                .run("fetch", || async move {
                    Ok::<_, Error>(
                        json!({ "call_id": call_id, "transcript": "Hello, thanks for calling." }),
                    )
                })
                .await?;
            let analysis: Value = step
                .run("analyze", || async {
                    Ok::<_, Error>(json!({ "sentiment": "positive", "words": 4 }))
                })
                .await?;
            let saved: Value = step
                .run("save", || async {
                    Ok::<_, Error>(json!({ "saved": true, "insight_id": "ins_001" }))
                })
                .await?;
            Ok(json!({
                "call_id": fetched["call_id"],
                "sentiment": analysis["sentiment"],
                "insight_id": saved["insight_id"],
            }))
        });
    App::new("call-insights").function(generate)
}

fn lab(id: &str) -> inngest::function::FunctionBuilder {
    Function::builder(id)
        .trigger(Trigger::event("lab/run"))
        .retries(3)
}

/// The `vector-lab` app: one function per error and op case.
pub fn vector_lab_app() -> App {
    App::new("vector-lab")
        .function(lab("no-steps").build(|_: Context<Value>, _: Step| async { Ok(json!({ "hello": "world" })) }))
        .function(lab("returns-undefined").build(|_: Context<Value>, _: Step| async { Ok(Value::Null) }))
        .function(lab("step-throws").build(|_: Context<Value>, step: Step| async move {
            step.run("flaky", || async { Err::<Value, _>(Error::new("upstream timeout")) }).await
        }))
        .function(lab("step-throws-caught").build(|_: Context<Value>, step: Step| async move {
            match step.run("flaky", || async { Err::<Value, _>(Error::new("upstream timeout")) }).await {
                Ok(value) => Ok(value),
                Err(error) => Ok(json!({ "recovered": true, "name": error.name(), "message": error.message() })),
            }
        }))
        .function(lab("step-nonretriable").build(|_: Context<Value>, step: Step| async move {
            step.run("validate", || async {
                let cause = std::io::Error::other("missing field account_id");
                Err::<Value, _>(Error::non_retriable("invalid account").with_source(cause))
            })
            .await
        }))
        .function(lab("fn-throws").build(|_: Context<Value>, _: Step| async {
            Err::<Value, _>(Error::new("function level failure").with_name("TypeError"))
        }))
        .function(lab("fn-nonretriable").build(|_: Context<Value>, _: Step| async {
            Err::<Value, _>(Error::non_retriable("bad input, will not retry"))
        }))
        .function(lab("step-retry-after").build(|_: Context<Value>, step: Step| async move {
            step.run("rate-limited", || async {
                Err::<Value, _>(Error::retry_after("429 from upstream", RetryAfter::Delay(Duration::from_secs(30))))
            })
            .await
        }))
        .function(lab("fn-retry-after").build(|_: Context<Value>, _: Step| async {
            let at = time::macros::datetime!(2030-01-01 00:00:00 UTC);
            Err::<Value, _>(Error::retry_after("slow down", RetryAfter::At(at)))
        }))
        .function(lab("parallel").build(|_: Context<Value>, step: Step| async move {
            let (a, b) = futures::join!(
                step.run("a", || async { Ok::<_, Error>(json!({ "a": 1 })) }),
                step.run("b", || async { Ok::<_, Error>(json!({ "b": 2 })) }),
            );
            let (a, b): (Value, Value) = (a?, b?);
            let c: Value = step
                .run("c", || async move { Ok::<_, Error>(json!({ "c": a["a"].as_i64().unwrap_or(0) + b["b"].as_i64().unwrap_or(0) })) })
                .await?;
            Ok(c)
        }))
        .function(lab("repeated").build(|_: Context<Value>, step: Step| async move {
            let mut items = Vec::new();
            for i in 0..3 {
                let item: Value = step.run("item", || async move { Ok::<_, Error>(json!({ "i": i })) }).await?;
                items.push(item);
            }
            Ok(Value::Array(items))
        }))
        .function(lab("all-ops").build(|ctx: Context<Value>, step: Step| async move {
            let call_id = ctx.event.data["call_id"].clone();
            let wait = WaitForEvent::new("approval/granted", Duration::from_secs(3600))
                .matching("async.data.call_id == event.data.call_id");
            let invoke = inngest::Invoke::new(
                "call-insights-transcribe-call",
                json!({ "call_id": call_id }),
                Duration::from_secs(600),
            );
            let notify = inngest::Event::new("insights/done", json!({ "call_id": call_id }));
            let (plain, _, _, approval, transcript, sent) = futures::join!(
                step.run("plain-run", || async { Ok::<_, Error>(json!({ "plain": true })) }),
                step.sleep("sleep-duration", Duration::from_secs(90)),
                step.sleep_until("sleep-until", time::macros::datetime!(2030-01-01 00:00:00 UTC)),
                step.wait_for_event::<Value>("wait-event-if", wait),
                step.invoke::<Value>("invoke-transcribe", invoke),
                step.send_event("notify", vec![notify]),
            );
            Ok(json!({
                "plain": plain?,
                "approval": approval?,
                "transcript": transcript?,
                "sent": sent?,
            }))
        }))
        .function(lab("async-ops").build(|_: Context<Value>, step: Step| async move {
            step.sleep("nap", Duration::from_secs(90 * 60)).await?;
            let wait = WaitForEvent::new("approval/granted", Duration::from_secs(2 * 86_400))
                .matching("event.data.call_id == async.data.call_id");
            let approval = step.wait_for_event::<Value>("wait-approval", wait).await?;
            Ok(json!({ "approved": approval.is_some(), "approval": approval }))
        }))
}
