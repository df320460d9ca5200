"use strict";

// One function per function-option shape, to compare the sync JSON that the
// SDK produces for each option. Their handlers are not part of the recorded
// behaviour and only return null. Not served by default: `cron` and
// `multi-trigger` carry cron triggers that a dev server would fire.

const AB = [{ event: "a/b" }];

const CONFIG_OPTIONS = [
  { id: "minimal", triggers: AB },
  { id: "with-name", name: "Pretty Name", triggers: { event: "a/b" } },
  {
    id: "event-with-if",
    triggers: [{ event: "a/b", if: "event.data.amount > 100" }],
  },
  { id: "cron", triggers: [{ cron: "TZ=Europe/Paris 0 9 * * 1-5" }] },
  {
    id: "multi-trigger",
    triggers: [
      { event: "a/b" },
      { event: "c/d", if: "event.data.x == 1" },
      { cron: "*/5 * * * *" },
    ],
  },
  { id: "no-trigger-invoke-only", triggers: [] },
  { id: "retries-0", retries: 0, triggers: AB },
  { id: "retries-20", retries: 20, triggers: AB },
  { id: "concurrency-number", concurrency: 10, triggers: AB },
  {
    id: "concurrency-object",
    concurrency: { limit: 5, key: "event.data.account_id" },
    triggers: AB,
  },
  {
    id: "concurrency-array",
    concurrency: [
      { limit: 5, key: "event.data.account_id", scope: "fn" },
      { limit: 100, key: '"openai"', scope: "account" },
    ],
    triggers: AB,
  },
  {
    id: "throttle",
    throttle: { limit: 10, period: "1m", burst: 2, key: "event.data.account_id" },
    triggers: AB,
  },
  {
    id: "rate-limit",
    rateLimit: { limit: 1, period: "4h", key: "event.data.user_id" },
    triggers: AB,
  },
  {
    id: "debounce",
    debounce: { period: "5m", key: "event.data.user_id", timeout: "30m" },
    triggers: AB,
  },
  {
    id: "batch",
    batchEvents: {
      maxSize: 100,
      timeout: "5s",
      key: "event.data.account_id",
      if: "event.data.kind == 'x'",
    },
    triggers: AB,
  },
  { id: "idempotency", idempotency: "event.data.call_id", triggers: AB },
  {
    id: "priority",
    priority: { run: "event.data.plan == 'enterprise' ? 120 : 0" },
    triggers: AB,
  },
  { id: "timeouts", timeouts: { start: "10s", finish: "1h" }, triggers: AB },
  {
    id: "singleton",
    singleton: { key: "event.data.user_id", mode: "cancel" },
    triggers: AB,
  },
  {
    id: "cancel-on",
    cancelOn: [
      { event: "calls/deleted", match: "data.call_id" },
      {
        event: "accounts/closed",
        if: "async.data.account_id == event.data.account_id",
        timeout: "1h",
      },
    ],
    triggers: AB,
  },
  {
    id: "with-on-failure",
    retries: 5,
    onFailure: async () => null,
    triggers: AB,
  },
];

function createConfigFunctions(inngest) {
  return CONFIG_OPTIONS.map((options) =>
    inngest.createFunction(options, async () => null),
  );
}

module.exports = { createConfigFunctions };
