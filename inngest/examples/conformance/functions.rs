//! The functions Inngest's serve conformance suite (`inngest alpha
//! conformance`) expects: ids, triggers, steps and return values.

use std::time::Duration;

use inngest::{App, Context, Error, Function, Step, Trigger, WaitForEvent};
use serde_json::{Value, json};

/// App id; every function id ends with the id the suite looks for.
pub(crate) const APP_ID: &str = "conformance";

/// The fixture app.
pub(crate) fn app() -> App {
    App::new(APP_ID)
        .function(simple())
        .function(steps_serial())
        .function(retry())
        .function(cancel())
        .function(wait_for_event())
}

fn done(ctx: &Context<Value>) -> Value {
    json!({ "name": ctx.event.name, "body": "ok" })
}

fn simple() -> Function {
    Function::builder("test-suite-simple-fn")
        .trigger(Trigger::event("tests/function.test"))
        .build(|ctx: Context<Value>, _step: Step| async move { Ok::<_, Error>(done(&ctx)) })
}

fn steps_serial() -> Function {
    Function::builder("test-suite-step-test")
        .trigger(Trigger::event("tests/step.test"))
        .build(|ctx: Context<Value>, step: Step| async move {
            let first: String = step
                .run("first step", || async {
                    Ok::<_, Error>("first step".to_owned())
                })
                .await?;
            step.sleep("sleep", Duration::from_secs(2)).await?;
            let _second: Value = step
                .run("second step", || async move {
                    Ok::<_, Error>(json!({ "first": first, "second": true }))
                })
                .await?;
            Ok(done(&ctx))
        })
}

fn retry() -> Function {
    Function::builder("test-suite-retry-test")
        .trigger(Trigger::event("tests/retry.test"))
        .build(|ctx: Context<Value>, step: Step| async move {
            let attempt = ctx.attempt;
            let _first: String = step
                .run("first step", || async move {
                    if attempt == 0 {
                        return Err(Error::new("broken"));
                    }
                    Ok(format!("yes: {}", attempt + 1))
                })
                .await?;
            if ctx.attempt == 0 {
                return Err(Error::new("broken func"));
            }
            Ok(done(&ctx))
        })
}

fn cancel() -> Function {
    let options: inngest::FunctionOptions = serde_json::from_value(json!({
        "id": "test-suite-cancel-test",
        "triggers": [{ "event": "tests/cancel.test" }],
        "cancelOn": [{ "event": "cancel/please", "if": "async.data.request_id == event.data.request_id" }],
    }))
    .expect("the cancel fixture's options are valid");
    Function::builder("test-suite-cancel-test")
        .options(options)
        .build(|ctx: Context<Value>, step: Step| async move {
            step.sleep("sleep", Duration::from_secs(10)).await?;
            Ok::<_, Error>(done(&ctx))
        })
}

fn wait_for_event() -> Function {
    Function::builder("test-suite-wait-for-event")
        .trigger(Trigger::event("tests/wait.test"))
        .build(|_ctx: Context<Value>, step: Step| async move {
            let wait = WaitForEvent::new("test/resume", Duration::from_secs(10))
                .matching("async.data.resume == true && async.data.id == event.data.id");
            let resumed = step.wait_for_event::<Value>("wait", wait).await?;
            Ok::<_, Error>(json!({ "result": resumed.map(|event| event.data) }))
        })
}
