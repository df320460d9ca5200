"use strict";

// Serves the functions over the Inngest serve protocol on 127.0.0.1.
//
// Environment:
//   PORT                 listen port (default 3939)
//   PEER_APP_ID          Inngest app id (default "call-insights")
//   PEER_FUNCTIONS       comma-separated function groups
//                        (default "product,conformance,lab")
//   PEER_CHECKPOINTING   "true" enables the SDK's checkpointing (default off)
// Mode, keys and URLs come from the SDK's own variables: INNGEST_DEV,
// INNGEST_SIGNING_KEY, INNGEST_SIGNING_KEY_FALLBACK, INNGEST_EVENT_KEY,
// INNGEST_BASE_URL, INNGEST_SERVE_ORIGIN, INNGEST_STREAMING, ...

const http = require("node:http");
const { serve } = require("inngest/node");
const { createApp, DEFAULT_GROUPS } = require("./app");

const SERVE_PATH = "/api/inngest";
const HOST = "127.0.0.1";

function parsePort(value) {
  const port = Number(value ?? "3939");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid PORT "${value}"; expected an integer from 0 to 65535`);
  }
  return port;
}

function parseGroups(value) {
  if (!value) {
    return DEFAULT_GROUPS;
  }
  return value
    .split(",")
    .map((group) => group.trim())
    .filter(Boolean);
}

function main() {
  const port = parsePort(process.env.PORT);
  const { client, functions } = createApp({
    appId: process.env.PEER_APP_ID || "call-insights",
    groups: parseGroups(process.env.PEER_FUNCTIONS),
    checkpointing: /^(1|true)$/i.test(process.env.PEER_CHECKPOINTING ?? ""),
  });
  const handler = serve({ client, functions });

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, `http://${HOST}`);
    if (pathname === SERVE_PATH) {
      handler(req, res);
      return;
    }
    console.error(`${req.method} ${pathname}: not found, the serve path is ${SERVE_PATH}`);
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: `not found: ${pathname}` }));
  });

  server.listen(port, HOST, () => {
    const { port: boundPort } = server.address();
    console.log(`listening on http://${HOST}:${boundPort}${SERVE_PATH}`);
  });

  const shutdown = (signal) => {
    console.error(`received ${signal}, closing the server`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main();
