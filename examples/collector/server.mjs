// The reference collector: accepts Segment-compatible batches (engagekit's, and Segment's own
// SDK's), checks every message against the repo's JSON Schema, stores each messageId once and
// answers 2xx only after the write is committed. Serves the engagement report too.
//
//   node examples/collector/server.mjs [--port 4318] [--host 127.0.0.1] [--data-dir ./data]
//     [--database-url postgres://…] [--write-keys k1,k2] [--allowed-origins https://shop.example]
//     [--report-password …] [--report on|off|public] [--max-connections 1000]
//     [--report-cache-seconds 60] [--retain-days N] [--event-loop-log-seconds N]
// or the same as environment variables: PORT, HOST, DATA_DIR, DATABASE_URL, WRITE_KEYS,
// ALLOWED_ORIGINS, REPORT_PASSWORD, REPORT, MAX_CONNECTIONS, REPORT_CACHE_SECONDS, RETAIN_DAYS,
// EVENT_LOOP_LOG_SECONDS.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Refused, MAX_BODY, decode, isIngestPath, readBatch, toRows } from './ingest.mjs';
import { openStore } from './store.mjs';
import { handleReport } from './report/routes.mjs';
import { reportCache } from './report/cache.mjs';
import { checkRetainDays, startRetention } from './retention.mjs';
import { startLoopDelayLog } from './loopDelay.mjs';
import { reportGuard } from './report/auth.mjs';

/** JSON lines on stdout, one per request (and per lifecycle step). @param {object} o */
const jsonLog = (o) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');

/**
 * Throws a RangeError unless `value` is a number of seconds, 0 or more (fractions allowed).
 * @param {string} name  the setting, for the message @param {unknown} value
 */
function checkSeconds(name, value) {
  if (!(typeof value == 'number' && value >= 0 && Number.isFinite(value)))
    throw new RangeError(`${name} must be a number of seconds, 0 or more, not ${value}`);
}

/** Whether a listening address is reachable from this machine only. @param {string} host */
export const isLoopback = (host) =>
  host == 'localhost' || host == '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host == '::ffff:127.0.0.1';

/**
 * Start the collector.
 *
 * @param {{ port?: number, host?: string, dataDir?: string, databaseUrl?: string, writeKeys?: string[],
 *   allowedOrigins?: string[], log?: (o: object) => void, shutdownGraceMs?: number,
 *   reportPassword?: string, report?: 'on' | 'off' | 'public', maxConnections?: number,
 *   requestTimeoutMs?: number, headersTimeoutMs?: number, bodyIdleMs?: number, maxBufferedBytes?: number,
 *   reportCacheSeconds?: number, retainDays?: number, eventLoopLogSeconds?: number }} [opts]
 *   `shutdownGraceMs`: how long close() waits for requests still being received before it cuts them.
 *   `reportPassword` (default: REPORT_PASSWORD, read on each request) protects the report; on a
 *   host other than loopback the collector refuses to start without one, unless `report` is 'off'
 *   (no report routes) or 'public' (open on purpose). `maxConnections` (1000): connections over it
 *   are closed at once. `requestTimeoutMs` (30 s): the longest a request may take to arrive,
 *   headers and body; `headersTimeoutMs` (10 s) for its headers; `bodyIdleMs` (10 s): the longest
 *   pause within a body. `maxBufferedBytes` (64 MB): request bodies held at once; over it, 503.
 *   `reportCacheSeconds` (60): the oldest report answer given again (report/cache.mjs; 0: none).
 *   `retainDays` (none: kept for ever): raw events captured longer ago are deleted (retention.mjs).
 *   `eventLoopLogSeconds` (none, or 0): the event loop's longest delays logged every that many seconds (loopDelay.mjs).
 * @returns {Promise<{ url: string, store: import('./store.mjs').Store, close: () => Promise<void> }>}
 */
export async function startCollector({
  port = 0,
  host = '127.0.0.1',
  dataDir = './data',
  databaseUrl,
  writeKeys = [],
  allowedOrigins = [],
  log = jsonLog,
  shutdownGraceMs = 10_000,
  reportPassword,
  report = 'on',
  maxConnections = 1000,
  requestTimeoutMs = 30_000,
  headersTimeoutMs = 10_000,
  bodyIdleMs = 10_000,
  maxBufferedBytes = 64_000_000,
  reportCacheSeconds = 60,
  retainDays,
  eventLoopLogSeconds,
} = {}) {
  if (retainDays !== undefined) checkRetainDays(retainDays);
  if (eventLoopLogSeconds !== undefined) checkSeconds('EVENT_LOOP_LOG_SECONDS', eventLoopLogSeconds);
  checkSeconds('REPORT_CACHE_SECONDS', reportCacheSeconds);
  const password = () => reportPassword || process.env.REPORT_PASSWORD || undefined;
  // An open report on a public address shows every visitor's pages, referrers and orders to anyone.
  if (report == 'on' && !password() && !isLoopback(host))
    throw new Error(
      `the report would be open to anyone on ${host}: set REPORT_PASSWORD, or REPORT=off (ingest only), or REPORT=public`,
    );
  const guard = reportGuard({ password, log });
  const store = await openStore({ databaseUrl, dataDir, log });
  /** Requests that stored new events: a report answer computed before one of them is out of date. */
  let storedRequests = 0;
  const cache = reportCache({ maxAgeMs: reportCacheSeconds * 1000, version: () => storedRequests });
  /** Bytes of request bodies held in memory right now. */
  let buffered = 0;
  const keys = new Set(writeKeys.filter(Boolean));
  const origins = new Set(allowedOrigins.filter(Boolean));
  /** Requests being answered: a graceful close waits for them (their writes included). */
  const inflight = new Set();

  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      // How often Node checks those two timeouts (30 s by default, which would double them).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeoutMs / 4, requestTimeoutMs / 4)),
    },
    (req, res) => {
      const done = handle(req, res).catch((e) => {
        log({ level: 'error', msg: 'unhandled', error: String(e?.stack || e) });
        if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      });
      inflight.add(done);
      done.finally(() => inflight.delete(done));
    },
  );
  server.maxConnections = maxConnections;

  /** @param {http.ServerResponse} res @param {number} status @param {object} body @param {Record<string, string>} [headers] */
  function reply(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const started = Date.now();
    const url = new URL(req.url || '/', 'http://collector');
    const origin = req.headers.origin;
    const forPages = isIngestPath(url.pathname) || url.pathname == '/v1/m';
    // Browsers send an Origin with every POST. A text/plain POST needs no preflight, so leaving
    // the CORS headers out would not stop a page of another site from writing: it is refused.
    const foreign = forPages && !!origin && origins.size > 0 && !origins.has(origin);
    // CORS: browsers send text/plain without a preflight; gzip (Content-Encoding) or JSON bodies get one.
    // Only the ingest routes are for other sites' pages; the report is not shared with them.
    if (origin && forPages && !foreign) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      // No Allow-Credentials: SDKs send no cookies, and a page of any site must not post with them.
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding, Authorization');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      res.setHeader('Access-Control-Max-Age', '7200');
    }
    const line = (/** @type {number} */ status, /** @type {object} */ extra = {}) =>
      log({
        level: status >= 500 ? 'error' : 'info',
        method: req.method,
        path: url.pathname,
        status,
        ms: Date.now() - started,
        ...extra,
      });

    if (foreign) {
      req.resume();
      reply(res, 403, { error: `origin ${origin} is not allowed` });
      return line(403, { origin });
    }
    if (req.method == 'OPTIONS') {
      res.writeHead(204).end();
      return line(204);
    }
    if (url.pathname == '/health') {
      const ok = await store.all('SELECT 1 AS ok').then(
        () => true,
        () => false,
      );
      reply(res, ok ? 200 : 503, { ok });
      return line(ok ? 200 : 503);
    }
    // analytics.js reports its own delivery metrics here: not events, nothing to keep.
    if (url.pathname == '/v1/m' && req.method == 'POST') {
      req.resume();
      res.writeHead(204).end();
      return line(204);
    }
    if (isIngestPath(url.pathname)) {
      if (req.method != 'POST') {
        reply(res, 405, { error: 'POST only' }, { Allow: 'POST, OPTIONS' });
        return line(405);
      }
      const [status, body, extra] = await ingest(req, url.pathname);
      /** @type {Record<string, string>} */
      const headers = status == 503 ? { 'Retry-After': '5' } : {};
      // Refused before the whole body was read (too large, busy): close rather than read the rest.
      if (!req.complete) headers.Connection = 'close';
      reply(res, status, body, headers);
      return line(status, {
        ...extra,
        ...(body.error ? { error: body.error } : {}),
      });
    }
    if (report != 'off' && (await handleReport(req, res, url, store.report, { guard, cache })))
      return line(res.statusCode);
    reply(res, 404, { error: 'not found' });
    line(404);
  }

  /**
   * Read, check and store one ingest request.
   * @param {http.IncomingMessage} req @param {string} path
   * @returns {Promise<[number, Record<string, unknown> & { error?: string }, object?]>}
   */
  async function ingest(req, path) {
    const receivedAt = Date.now();
    if (Number(req.headers['content-length']) > MAX_BODY) {
      req.resume();
      return [413, { error: `body over ${MAX_BODY} bytes` }];
    }
    const chunks = [];
    let size = 0;
    // A client that stops sending mid-body is cut after bodyIdleMs, not held until requestTimeout.
    req.setTimeout(bodyIdleMs, () => req.destroy());
    try {
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.resume();
          return [413, { error: `body over ${MAX_BODY} bytes` }];
        }
        // Many slow uploads at once must not grow memory without bound: past the budget, retry later.
        if (buffered + chunk.length > maxBufferedBytes) return [503, { error: 'busy, retry later' }];
        buffered += chunk.length;
        chunks.push(chunk);
      }
    } catch {
      return [400, { error: 'request aborted' }];
    } finally {
      buffered -= chunks.reduce((n, c) => n + c.length, 0);
      // The socket is gone when the client closed it.
      if (req.socket) req.setTimeout(0);
    }
    let read, parsed;
    try {
      read = readBatch(path, decode(Buffer.concat(chunks), req.headers['content-encoding']));
      // The write key before anything else is checked: a wrong key costs one JSON.parse.
      const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization || '');
      // Segment's SDKs send the write key as the Basic auth user name; engagekit in the body.
      read.writeKey ??= basic ? Buffer.from(basic[1], 'base64').toString().split(':')[0] : undefined;
      if (keys.size && !keys.has(read.writeKey || '')) return [401, { error: 'unknown write key' }];
      parsed = toRows(read, receivedAt);
    } catch (err) {
      if (err instanceof Refused) return [err.status, { error: err.message }];
      throw err;
    }
    const writeKey = read.writeKey;
    for (const row of parsed.rows) row.write_key = writeKey || '';
    const { rows, rejected, rejectedCount, clampedTimes, droppedEvents } = parsed;
    // Only the first rejected messages are listed (a batch of a thousand bad ones stays small).
    const listed = rejectedCount > rejected.length ? { rejected, rejectedCount } : { rejected };
    const counts = {
      rejected: rejectedCount,
      ...(rejectedCount && { firstReason: rejected[0].reason }),
      ...(clampedTimes && { clampedTimes }),
      ...(droppedEvents && { droppedEvents }),
    };
    if (!rows.length) return [400, { error: 'no valid message in the batch', ...listed }, counts];
    let accepted;
    try {
      accepted = await store.insert(rows);
    } catch (err) {
      // Nothing was committed: 503 makes the SDK keep the events and retry.
      log({ level: 'error', msg: 'storage failed', error: String(/** @type {Error} */ (err).message || err) });
      return [503, { error: 'storage unavailable, retry later' }];
    }
    if (accepted) storedRequests++;
    const duplicates = rows.length - accepted;
    // 200 even when some messages were rejected: they can never become valid, and a 4xx would make
    // an SDK drop (or a 5xx resend) the valid ones with them. The rejected ones are listed.
    return [200, { accepted, duplicates, ...listed }, { accepted, duplicates, ...counts }];
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log({ level: 'info', msg: 'listening', url, storage: store.dialect });
  const retention = retainDays !== undefined ? startRetention(store, { retainDays, log }) : undefined;
  const stopLoopLog = eventLoopLogSeconds ? startLoopDelayLog({ seconds: eventLoopLogSeconds, log }) : undefined;
  let closing;
  return {
    url,
    store,
    close: () =>
      (closing ||= (async () => {
        // Stop accepting, let the requests under way finish (and commit), then close the store.
        const stopped = new Promise((r) => server.close(() => r(undefined)));
        server.closeIdleConnections();
        // A client trickling its body must not hold the shutdown: after the grace period its
        // connection is cut (its request is not stored, so its SDK sends it again), while the
        // writes already under way still finish before the store closes.
        let timer;
        const grace = new Promise((r) => (timer = setTimeout(r, shutdownGraceMs)));
        await Promise.race([Promise.allSettled([...inflight]), grace]);
        clearTimeout(timer);
        server.closeAllConnections();
        await Promise.allSettled([...inflight]);
        await stopped;
        await retention?.stop();
        stopLoopLog?.();
        await store.close();
        log({ level: 'info', msg: 'closed' });
      })()),
  };
}

/** Options from flags (`--port 1`) over environment variables (PORT=1). @param {string[]} argv */
function options(argv) {
  /** @type {Record<string, string>} */
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) flags[m[1]] = m[2] ?? argv[++i];
  }
  const get = (/** @type {string} */ flag, /** @type {string} */ env) => flags[flag] ?? process.env[env];
  const list = (/** @type {string | undefined} */ s) => (s ? s.split(',').map((x) => x.trim()) : []);
  return {
    port: Number(get('port', 'PORT') ?? 4318),
    host: get('host', 'HOST') ?? '127.0.0.1',
    dataDir: get('data-dir', 'DATA_DIR') ?? './data',
    databaseUrl: get('database-url', 'DATABASE_URL') || undefined,
    writeKeys: list(get('write-keys', 'WRITE_KEYS')),
    allowedOrigins: list(get('allowed-origins', 'ALLOWED_ORIGINS')),
    reportPassword: get('report-password', 'REPORT_PASSWORD') || undefined,
    report: /** @type {'on' | 'off' | 'public'} */ (get('report', 'REPORT') || 'on'),
    maxConnections: Number(get('max-connections', 'MAX_CONNECTIONS') ?? 1000),
    reportCacheSeconds: Number(get('report-cache-seconds', 'REPORT_CACHE_SECONDS') ?? 60),
    retainDays: get('retain-days', 'RETAIN_DAYS') ? Number(get('retain-days', 'RETAIN_DAYS')) : undefined,
    eventLoopLogSeconds: get('event-loop-log-seconds', 'EVENT_LOOP_LOG_SECONDS')
      ? Number(get('event-loop-log-seconds', 'EVENT_LOOP_LOG_SECONDS'))
      : undefined,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) == process.argv[1]) {
  const c = await startCollector(options(process.argv.slice(2)));
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      c.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
}
