// Replays recorded serve-protocol exchanges against this peer and compares
// the responses with the recorded ones.
//
// Usage: node replay-vectors.mjs [FILTER...]
//   FILTER       only replay exchanges whose "file › title" contains one of
//                these substrings (case-insensitive)
//   VECTORS_DIR  directory of the recorded *.json files
//
// For every exchange the script starts the peer (server.js) with the mode,
// keys and function groups the recording was made with. It sends the
// recorded request, re-signed with a fresh timestamp in cloud mode. A fake
// Inngest API on 127.0.0.1 replies to the peer's outbound calls with the
// recorded replies. The script then compares status, protocol headers, the
// JSON body and the outbound requests, and exits 1 if any exchange does not
// match.

import { spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
const VECTORS_DIR = path.resolve(
  process.env.VECTORS_DIR ?? path.join(SCRIPT_DIR, "../../vectors"),
);

const SIGNING_KEY =
  "signkey-test-a8fa769dc777c30592b0fc33a10508bc40f06401da9613391f8f43b953dc742c";
const SIGNING_KEY_FALLBACK =
  "signkey-test-b67eef56cb8470fe75876c42af525d29738e367adcd2697b6b6c94e5f24bfe55";
const EVENT_KEY = "test-event-key-0123456789";

// The API origin of the recordings. Introspection bodies contain it, and
// the comparison replaces it and the fake API's origin with a placeholder.
const RECORDED_API_ORIGIN = "http://127.0.0.1:35297";

// Response headers whose values are compared exactly (case-insensitive
// names). A header missing from the recording must be missing here too.
const COMPARED_HEADERS = [
  "content-type",
  "x-inngest-sdk",
  "x-inngest-sdk-handled",
  "x-inngest-framework",
  "x-inngest-req-version",
  "x-inngest-no-retry",
  "retry-after",
  "x-inngest-sync-kind",
  "x-inngest-expected-server-kind",
  "user-agent",
];

// Headers compared on the requests the peer sends to the fake API.
const COMPARED_OUTBOUND_HEADERS = [
  "authorization",
  "content-type",
  "x-inngest-sdk",
  "x-inngest-framework",
  "x-inngest-sync-kind",
  "x-inngest-expected-server-kind",
];

// Keys whose values depend on the clock or the machine. They are removed
// from both sides before JSON bodies are compared. Outbound requests also
// carry send and start times.
const VOLATILE_RESPONSE_KEYS = new Set(["timing", "stack"]);
const VOLATILE_OUTBOUND_KEYS = new Set(["timing", "stack", "ts", "request_started_at"]);

const PEER_START_TIMEOUT_MS = 15_000;
const EXCHANGE_TIMEOUT_MS = 30_000;

// Peer configurations. Each recording was made with one of these.
const PROFILES = {
  "dev-product": {
    INNGEST_DEV: "1",
    PEER_APP_ID: "call-insights",
    PEER_FUNCTIONS: "product",
  },
  "cloud-product": {
    INNGEST_DEV: "0",
    INNGEST_SIGNING_KEY: SIGNING_KEY,
    INNGEST_SIGNING_KEY_FALLBACK: SIGNING_KEY_FALLBACK,
    INNGEST_EVENT_KEY: EVENT_KEY,
    PEER_APP_ID: "call-insights",
    PEER_FUNCTIONS: "product",
  },
  "dev-product-checkpointing": {
    INNGEST_DEV: "1",
    PEER_APP_ID: "call-insights",
    PEER_FUNCTIONS: "product",
    PEER_CHECKPOINTING: "true",
  },
  "dev-lab": {
    INNGEST_DEV: "1",
    INNGEST_EVENT_KEY: EVENT_KEY,
    PEER_APP_ID: "vector-lab",
    PEER_FUNCTIONS: "lab",
  },
  "dev-lab-streaming": {
    INNGEST_DEV: "1",
    INNGEST_EVENT_KEY: EVENT_KEY,
    INNGEST_STREAMING: "true",
    PEER_APP_ID: "vector-lab",
    PEER_FUNCTIONS: "lab",
  },
  "dev-configs": {
    INNGEST_DEV: "1",
    PEER_APP_ID: "call-insights",
    PEER_FUNCTIONS: "configs",
  },
};

// Exchange files and the profile each exchange was recorded with.
const EXCHANGE_FILES = [
  ["exec_dev_three_step.json", () => "dev-product"],
  ["exec_cloud_three_step.json", () => "cloud-product"],
  ["exec_errors.json", () => "dev-lab"],
  ["exec_ops.json", () => "dev-lab"],
  ["exec_streaming.json", () => "dev-lab-streaming"],
  ["exec_checkpointing.json", () => "dev-product-checkpointing"],
  ["sync.json", (exchange) => (exchange.title.startsWith("cloud:") ? "cloud-product" : "dev-product")],
];

// ---------------------------------------------------------------------------
// Signing

function hmacKey(signingKey) {
  return signingKey.replace(/^signkey-\w+-/, "");
}

function sign(signingKey, body, timestamp) {
  return createHmac("sha256", hmacKey(signingKey))
    .update(`${body}${timestamp}`)
    .digest("hex");
}

function parseSignatureHeader(value) {
  const params = new URLSearchParams(value);
  return { t: params.get("t"), s: params.get("s") };
}

function signaturesEqual(a, b) {
  const left = Buffer.from(a ?? "");
  const right = Buffer.from(b ?? "");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Returns which configured key produced `header` over `body`, or null. */
function keyUsedFor(header, body) {
  const { t, s } = parseSignatureHeader(header);
  for (const key of [SIGNING_KEY, SIGNING_KEY_FALLBACK]) {
    if (signaturesEqual(sign(key, body, t), s)) {
      return key;
    }
  }
  return null;
}

/**
 * Rewrites a recorded X-Inngest-Signature for the current clock. The age of
 * the recorded timestamp relative to `referenceTime` is kept, so an expired
 * signature stays expired. A signature made with a configured key is
 * recomputed with that key. Any other signature keeps its MAC, so it stays
 * invalid.
 */
function resign(header, body, referenceTime) {
  const { t, s } = parseSignatureHeader(header);
  const age = Number(t) - referenceTime;
  const freshTime = String(Math.floor(Date.now() / 1000) + age);
  const key = keyUsedFor(header, body);
  const mac = key ? sign(key, body, freshTime) : s;
  return { header: `t=${freshTime}&s=${mac}`, key };
}

/** Most common signature timestamp in a file: the recording's clock. */
function referenceTimeOf(exchanges) {
  const counts = new Map();
  for (const { request } of exchanges) {
    const header = findHeader(request.headers, "x-inngest-signature");
    if (header) {
      const t = Number(parseSignatureHeader(header).t);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  let best = null;
  for (const [t, count] of counts) {
    if (best === null || count > counts.get(best)) {
      best = t;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Helpers

function findHeader(headerPairs, name) {
  const pair = headerPairs.find(([key]) => key.toLowerCase() === name);
  return pair ? pair[1] : undefined;
}

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Removes volatile keys and replaces the API origin, recursively. */
function normalize(value, apiOrigin, volatileKeys) {
  if (Array.isArray(value)) {
    return value.map((item) => normalize(item, apiOrigin, volatileKeys));
  }
  if (value && typeof value === "object") {
    const result = {};
    for (const [key, item] of Object.entries(value)) {
      if (!volatileKeys.has(key)) {
        result[key] = normalize(item, apiOrigin, volatileKeys);
      }
    }
    return result;
  }
  if (typeof value === "string" && apiOrigin) {
    return value.replaceAll(apiOrigin, "<api-origin>");
  }
  return value;
}

function describeDifference(label, expected, actual) {
  return `${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function compareJsonText(label, expectedText, actualText, actualOrigin, volatileKeys = VOLATILE_RESPONSE_KEYS) {
  const expected = parseJson(expectedText);
  const actual = parseJson(actualText);
  if (!expected.ok) {
    return expectedText === actualText
      ? []
      : [describeDifference(label, expectedText, actualText)];
  }
  if (!actual.ok) {
    return [`${label}: expected JSON, got ${JSON.stringify(actualText.slice(0, 200))}`];
  }
  const left = normalize(expected.value, RECORDED_API_ORIGIN, volatileKeys);
  const right = normalize(actual.value, actualOrigin, volatileKeys);
  return isDeepStrictEqual(left, right)
    ? []
    : [describeDifference(label, left, right)];
}

function compareHeaders(label, names, expectedPairs, actualGet) {
  const problems = [];
  for (const name of names) {
    const expected = findHeader(expectedPairs, name);
    const actual = actualGet(name);
    if (expected !== actual) {
      problems.push(describeDifference(`${label} ${name}`, expected, actual));
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Fake Inngest API

/**
 * Starts an HTTP server on 127.0.0.1 that replies to the peer's outbound
 * requests with the recorded replies, in the recorded order.
 */
async function startFakeApi() {
  const state = { script: [], received: [] };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const received = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const recorded = state.script[state.received.length];
      state.received.push(received);

      const reply = recorded?.reply ?? {
        status: 500,
        body: { error: `unexpected ${req.method} ${req.url}` },
      };
      res.writeHead(reply.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;

  return {
    origin,
    expect(script) {
      state.script = script ?? [];
      state.received = [];
    },
    received: () => state.received,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

function compareOutbound(recordedRequests, receivedRequests, apiOrigin) {
  const problems = [];
  if (recordedRequests.length !== receivedRequests.length) {
    const list = (requests) => requests.map((r) => `${r.method} ${r.path}`);
    problems.push(
      describeDifference("outbound requests", list(recordedRequests), list(receivedRequests)),
    );
    return problems;
  }

  recordedRequests.forEach((recorded, index) => {
    const received = receivedRequests[index];
    const label = `outbound #${index + 1} ${recorded.method} ${recorded.path}`;
    if (recorded.method !== received.method || recorded.path !== received.path) {
      problems.push(
        describeDifference(label, `${recorded.method} ${recorded.path}`, `${received.method} ${received.path}`),
      );
      return;
    }
    problems.push(
      ...compareHeaders(label, COMPARED_OUTBOUND_HEADERS, recorded.headers, (name) => received.headers[name]),
    );
    problems.push(
      ...compareJsonText(`${label} body`, recorded.body, received.body, apiOrigin, VOLATILE_OUTBOUND_KEYS),
    );
  });
  return problems;
}

// ---------------------------------------------------------------------------
// Peer process

async function startPeer(profileName, apiOrigin) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("INNGEST_") && !key.startsWith("PEER_")),
  );
  Object.assign(env, PROFILES[profileName], {
    PORT: "0",
    INNGEST_BASE_URL: apiOrigin,
    INNGEST_SERVE_ORIGIN: "http://localhost:3000",
    INNGEST_SERVE_PATH: "/api/inngest",
  });

  const child = spawn(process.execPath, [path.join(SCRIPT_DIR, "server.js")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => {
    log += chunk;
  });

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`peer (${profileName}) did not start within ${PEER_START_TIMEOUT_MS} ms:\n${log}`));
    }, PEER_START_TIMEOUT_MS);
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\/api\/inngest/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`peer (${profileName}) exited with code ${code} before listening:\n${log}`));
    });
  });

  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

// ---------------------------------------------------------------------------
// Exchanges

function sendRequest(baseUrl, { method, path: requestPath, headers, body }) {
  const target = new URL(requestPath, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      { method, headers: Object.fromEntries(headers), timeout: EXCHANGE_TIMEOUT_MS },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${EXCHANGE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    if (body !== null && body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

/** Checks a response signature against the key that verified the request. */
function checkResponseSignature(expectedHeaders, actual, signingKey) {
  const expected = findHeader(expectedHeaders, "x-inngest-signature");
  const header = actual.headers["x-inngest-signature"];
  if (!expected) {
    return header === undefined ? [] : [describeDifference("x-inngest-signature", undefined, header)];
  }
  if (!header) {
    return ["x-inngest-signature: expected a response signature, got none"];
  }
  const { t, s } = parseSignatureHeader(header);
  if (!signingKey || !signaturesEqual(sign(signingKey, actual.body, t), s)) {
    return [`x-inngest-signature: ${header} does not verify over the response body`];
  }
  return [];
}

/**
 * Compares a streamed (201) response: the body is optional keep-alive
 * whitespace followed by one JSON envelope {status, headers, body}.
 */
function compareStreamed(expected, actual, apiOrigin) {
  const problems = [];
  const leadingSpace = (text) => /^\s/.test(text);
  if (leadingSpace(expected.body) !== leadingSpace(actual.body)) {
    problems.push(describeDifference("keep-alive whitespace before the envelope", leadingSpace(expected.body), leadingSpace(actual.body)));
  }

  const expectedEnvelope = JSON.parse(expected.body);
  const actualEnvelope = parseJson(actual.body);
  if (!actualEnvelope.ok) {
    return [...problems, `streamed body: expected a JSON envelope, got ${JSON.stringify(actual.body.slice(0, 200))}`];
  }
  const envelope = actualEnvelope.value;
  if (envelope.status !== expectedEnvelope.status) {
    problems.push(describeDifference("envelope status", expectedEnvelope.status, envelope.status));
  }
  if (envelope.version !== expectedEnvelope.version) {
    problems.push(describeDifference("envelope version", expectedEnvelope.version, envelope.version));
  }
  const lowerCased = (headers) =>
    Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  const actualEnvelopeHeaders = lowerCased(envelope.headers);
  problems.push(
    ...compareHeaders("envelope header", COMPARED_HEADERS, Object.entries(expectedEnvelope.headers), (name) => actualEnvelopeHeaders[name]),
  );
  problems.push(
    ...compareJsonText("envelope body", expectedEnvelope.body, envelope.body ?? "", apiOrigin),
  );
  return problems;
}

async function replayExchange(exchange, peerUrl, fakeApi, referenceTime) {
  const { request, response: expected } = exchange;
  const body = request.body ?? "";
  let signingKey = null;

  const headers = request.headers.map(([name, value]) => {
    if (name.toLowerCase() !== "x-inngest-signature") {
      return [name, value];
    }
    const fresh = resign(value, body, referenceTime);
    signingKey = fresh.key;
    return [name, fresh.header];
  });

  const recordedOutbound = exchange.outbound_api_requests ?? [];
  fakeApi.expect(recordedOutbound);

  const actual = await sendRequest(peerUrl, { ...request, headers });
  const problems = [];

  if (actual.status !== expected.status) {
    problems.push(describeDifference("status", expected.status, actual.status));
  }
  problems.push(
    ...compareHeaders("header", COMPARED_HEADERS, expected.headers, (name) => actual.headers[name]),
  );
  problems.push(...checkResponseSignature(expected.headers, actual, signingKey));

  if (expected.status === 201) {
    problems.push(...compareStreamed(expected, actual, fakeApi.origin));
  } else {
    problems.push(...compareJsonText("body", expected.body, actual.body, fakeApi.origin));
  }

  problems.push(...compareOutbound(recordedOutbound, fakeApi.received(), fakeApi.origin));
  return problems;
}

/**
 * Checks the sync JSON of every function-option case: an in-band sync of a
 * peer serving the `configs` group must list exactly the recorded configs.
 */
async function checkFunctionConfigs(peerUrl, cases) {
  const response = await sendRequest(peerUrl, {
    method: "PUT",
    path: "/api/inngest",
    headers: [
      ["Content-Type", "application/json"],
      ["X-Inngest-Sync-Kind", "in_band"],
    ],
    body: JSON.stringify({ url: "http://localhost:3000/api/inngest" }),
  });
  const synced = parseJson(response.body);
  const byId = new Map(
    synced.ok && Array.isArray(synced.value.functions)
      ? synced.value.functions.map((config) => [config.id, config])
      : [],
  );

  return cases.map((testCase) => {
    const problems = [];
    if (response.status !== 200) {
      problems.push(describeDifference("in-band sync status", 200, response.status));
    }
    for (const expected of testCase.sync_configs) {
      const actual = byId.get(expected.id);
      if (!isDeepStrictEqual(expected, actual)) {
        problems.push(describeDifference(expected.id, expected, actual));
      }
    }
    return { title: `function config ${testCase.input_options.id}`, problems };
  });
}

// ---------------------------------------------------------------------------
// Main

function loadVectors(file) {
  const fullPath = path.join(VECTORS_DIR, file);
  return JSON.parse(readFileSync(fullPath, "utf8"));
}

function matchesFilters(label, filters) {
  return filters.length === 0 || filters.some((filter) => label.toLowerCase().includes(filter.toLowerCase()));
}

async function main() {
  if (!existsSync(VECTORS_DIR)) {
    console.error(`vectors directory not found: ${VECTORS_DIR}; set VECTORS_DIR to the directory of the recorded *.json files`);
    process.exit(2);
  }
  const filters = process.argv.slice(2);

  const items = [];
  for (const [file, profileOf] of EXCHANGE_FILES) {
    const { exchanges } = loadVectors(file);
    const referenceTime = referenceTimeOf(exchanges);
    for (const exchange of exchanges) {
      const label = `${file} › ${exchange.title}`;
      if (matchesFilters(label, filters)) {
        items.push({ label, exchange, referenceTime, profile: profileOf(exchange) });
      }
    }
  }

  const configCases = loadVectors("function_configs.json").cases.filter((testCase) =>
    matchesFilters(`function_configs.json › function config ${testCase.input_options.id}`, filters),
  );

  const fakeApi = await startFakeApi();
  let passed = 0;
  let failed = 0;
  const report = (label, problems) => {
    if (problems.length === 0) {
      passed += 1;
      console.log(`PASS ${label}`);
    } else {
      failed += 1;
      console.log(`FAIL ${label}`);
      for (const problem of problems) {
        console.log(`     ${problem}`);
      }
    }
  };

  try {
    // A fresh peer per exchange means that no exchange depends on state
    // that an earlier one left in the SDK process.
    for (const { label, exchange, referenceTime, profile } of items) {
      let peer = null;
      try {
        peer = await startPeer(profile, fakeApi.origin);
        report(label, await replayExchange(exchange, peer.url, fakeApi, referenceTime));
      } catch (error) {
        report(label, [`replay failed: ${error.message}`]);
      } finally {
        await peer?.stop();
      }
    }

    if (configCases.length > 0) {
      const peer = await startPeer("dev-configs", fakeApi.origin);
      try {
        for (const { title, problems } of await checkFunctionConfigs(peer.url, configCases)) {
          report(`function_configs.json › ${title}`, problems);
        }
      } finally {
        await peer.stop();
      }
    }
  } finally {
    await fakeApi.close();
  }

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
