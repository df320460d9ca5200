"use strict";

// Functions behind the recorded protocol exchanges (fnId prefix
// `vector-lab-` when served with PEER_APP_ID=vector-lab). Each one isolates
// one protocol behaviour: step errors, retries, async ops, parallelism,
// repeated step ids and slow steps. All are triggered by `lab/run`.

const {
  NonRetriableError,
  RetryAfterError,
  openai,
  referenceFunction,
} = require("inngest");

const TRIGGER = [{ event: "lab/run" }];

function createLabFunctions(inngest) {
  const labFunction = (id, handler) =>
    inngest.createFunction({ id, triggers: TRIGGER, retries: 3 }, handler);

  return [
    labFunction("no-steps", async () => ({ hello: "world" })),

    labFunction("returns-undefined", async () => undefined),

    // Fails on every attempt, so the SDK reports StepError until the last
    // attempt (ctx.attempt == max_attempts - 1) and StepFailed on it.
    labFunction("step-throws", async ({ step }) => {
      await step.run("flaky", () => {
        throw new Error("upstream timeout");
      });
      return { unreachable: true };
    }),

    labFunction("step-throws-caught", async ({ step }) => {
      try {
        await step.run("flaky", () => {
          throw new Error("upstream timeout");
        });
        return { recovered: false };
      } catch (err) {
        return { recovered: true, name: err.name, message: err.message };
      }
    }),

    labFunction("step-nonretriable", async ({ step }) => {
      await step.run("validate", () => {
        throw new NonRetriableError("invalid account", {
          cause: new Error("missing field account_id"),
        });
      });
      return { unreachable: true };
    }),

    labFunction("fn-throws", async () => {
      throw new TypeError("function level failure");
    }),

    labFunction("fn-nonretriable", async () => {
      throw new NonRetriableError("bad input, will not retry");
    }),

    labFunction("step-retry-after", async ({ step }) => {
      await step.run("rate-limited", () => {
        throw new RetryAfterError("429 from upstream", "30s");
      });
      return { unreachable: true };
    }),

    labFunction("fn-retry-after", async () => {
      throw new RetryAfterError(
        "slow down",
        new Date("2030-01-01T00:00:00.000Z"),
      );
    }),

    labFunction("parallel", async ({ step }) => {
      const [a, b] = await Promise.all([
        step.run("a", () => ({ a: 1 })),
        step.run("b", () => ({ b: 2 })),
      ]);
      return step.run("c", () => ({ c: a.a + b.b }));
    }),

    labFunction("async-ops", async ({ step }) => {
      // 5 400 000 ms, which the SDK reports as "1h30m".
      await step.sleep("nap", 5_400_000);
      const approval = await step.waitForEvent("wait-approval", {
        event: "approval/granted",
        timeout: "2d",
        match: "data.call_id",
      });
      return { approved: approval !== null, approval };
    }),

    // Starts one step of every kind in the same tick so that the SDK reports
    // them together in a single 206 response.
    labFunction("all-ops", async ({ event, step }) => {
      const callId = event.data.call_id;
      const results = await Promise.all([
        step.run("plain-run", () => ({ plain: true })),
        step.run(
          { id: "run-with-name", name: "Run With Display Name" },
          (x, y) => x + y,
          2,
          3,
        ),
        // The SDK's duration parser does not accept compound strings such as
        // "1m30s" and reports them with name "", so durations are in ms.
        step.sleep("sleep-duration", 90_000),
        step.sleepUntil("sleep-until", new Date("2030-01-01T00:00:00.000Z")),
        step.waitForEvent("wait-event-if", {
          event: "approval/granted",
          timeout: "1h",
          if: "async.data.call_id == event.data.call_id",
        }),
        step.invoke("invoke-transcribe", {
          function: referenceFunction({
            appId: "call-insights",
            functionId: "transcribe-call",
          }),
          data: { call_id: callId },
          timeout: "10m",
        }),
        step.sendEvent("notify", {
          name: "insights/done",
          data: { call_id: callId },
        }),
        step.waitForSignal("wait-signal", {
          signal: "signal-abc",
          timeout: "1h",
          onConflict: "replace",
        }),
        step.ai.infer("summarize", {
          model: openai({ model: "gpt-4o-mini", apiKey: "sk-not-a-real-key" }),
          body: {
            messages: [{ role: "user", content: "Summarize the call" }],
          },
        }),
        step.fetch("https://api.example.com/v1/items?limit=1"),
      ]);
      // step.fetch resolves to a Response object, which is not JSON.
      return results.slice(0, -1);
    }),

    labFunction("repeated", async ({ step }) => {
      const items = [];
      for (let i = 0; i < 3; i++) {
        items.push(await step.run("item", () => ({ i })));
      }
      return items;
    }),

    labFunction("slow-step", async ({ step }) => {
      await step.run("slow", async () => {
        await new Promise((resolve) => setTimeout(resolve, 3500));
        return { done: true };
      });
      return { done: true };
    }),
  ];
}

module.exports = { createLabFunctions };
