"use strict";

// The functions that Inngest's serve conformance runner
// (`inngest alpha conformance run`, transport `serve`) triggers and checks.
// The runner matches them by id or by the suffix `-<id>`, so the app id
// prefix does not matter.

function createConformanceFunctions(inngest) {
  const simple = inngest.createFunction(
    { id: "test-suite-simple-fn", triggers: [{ event: "tests/function.test" }] },
    async ({ event }) => ({ name: event.name, body: "ok" }),
  );

  const steps = inngest.createFunction(
    { id: "test-suite-step-test", triggers: [{ event: "tests/step.test" }] },
    async ({ event, step }) => {
      const first = await step.run("first step", () => "first step");
      await step.sleep("sleep", "2s");
      await step.run("second step", () => ({ first, second: true }));
      return { name: event.name, body: "ok" };
    },
  );

  // Both failures depend on ctx.attempt only: the step fails on its first
  // attempt, then the function body fails on the first attempt of the next
  // discovery call. Retries therefore replay identically.
  const retry = inngest.createFunction(
    { id: "test-suite-retry-test", triggers: [{ event: "tests/retry.test" }] },
    async ({ event, step, attempt }) => {
      await step.run("first step", () => {
        if (attempt === 0) {
          throw new Error("broken");
        }
        return `yes: ${attempt + 1}`;
      });

      if (attempt === 0) {
        throw new Error("broken func");
      }
      return { name: event.name, body: "ok" };
    },
  );

  const cancel = inngest.createFunction(
    {
      id: "test-suite-cancel-test",
      triggers: [{ event: "tests/cancel.test" }],
      cancelOn: [
        {
          event: "cancel/please",
          if: "async.data.request_id == event.data.request_id",
        },
      ],
    },
    async ({ event, step }) => {
      await step.sleep("sleep", "10s");
      return { name: event.name, body: "ok" };
    },
  );

  // NOTE: JS 4.24 reports this wait with `name` set to the event name and
  // without `opts.event`. The conformance runner expects `name: "wait"`, so
  // this peer fails the runner's wait-for-event-basic case.
  const waitForEvent = inngest.createFunction(
    { id: "test-suite-wait-for-event", triggers: [{ event: "tests/wait.test" }] },
    async ({ step }) => {
      const resumed = await step.waitForEvent("wait", {
        event: "test/resume",
        if: "async.data.resume == true && async.data.id == event.data.id",
        timeout: "10s",
      });
      return { result: resumed ? resumed.data : null };
    },
  );

  return [simple, steps, retry, cancel, waitForEvent];
}

module.exports = { createConformanceFunctions };
