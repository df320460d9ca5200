"use strict";

// The product's background jobs as the Rust service defines them. Step
// bodies are fixed, in-memory stand-ins for the real fetch/analyze/store
// work so that every replay of a run produces the same step outputs.

const TRANSCRIPT = "Hello, thanks for calling.";

function createProductFunctions(inngest) {
  const generateCallInsights = inngest.createFunction(
    {
      id: "generate-call-insights",
      triggers: [{ event: "insights/start" }],
      retries: 3,
      concurrency: { limit: 5, key: "event.data.account_id" },
      onFailure: async ({ event, error }) => ({
        handled: true,
        failed_function: event.data.function_id,
        original_event: event.data.event.name,
        error_name: error.name,
        error_message: error.message,
      }),
    },
    async ({ event, step }) => {
      const call = await step.run("fetch", () => ({
        call_id: event.data.call_id,
        transcript: TRANSCRIPT,
      }));

      const analysis = await step.run("analyze", () => ({
        sentiment: "positive",
        words: call.transcript.split(/\s+/).length,
      }));

      const saved = await step.run("save", () => ({
        saved: true,
        insight_id: "ins_001",
      }));

      return {
        call_id: call.call_id,
        sentiment: analysis.sentiment,
        insight_id: saved.insight_id,
      };
    },
  );

  const transcribeCall = inngest.createFunction(
    {
      id: "transcribe-call",
      triggers: [{ event: "calls/uploaded" }],
    },
    async ({ event, step }) => {
      const callId = event.data.call_id;

      const recording = await step.run("fetch", () => ({
        call_id: callId,
        duration_seconds: 42,
      }));

      const transcript = await step.run("transcribe", () => ({
        text: TRANSCRIPT,
        words: TRANSCRIPT.split(/\s+/).length,
      }));

      const saved = await step.run("save", () => ({
        saved: true,
        transcript_id: `tr_${recording.call_id}`,
      }));

      // Inngest triggers functions once per event id within 24 hours, so a
      // second upload of the same call does not start a second insights job.
      const sent = await step.sendEvent("emit-insights", {
        name: "insights/start",
        id: `insights-${callId}`,
        data: { job_id: `job_${callId}`, call_id: callId },
      });

      return {
        call_id: callId,
        transcript_id: saved.transcript_id,
        words: transcript.words,
        insights_event_ids: sent.ids,
      };
    },
  );

  return [generateCallInsights, transcribeCall];
}

module.exports = { createProductFunctions };
