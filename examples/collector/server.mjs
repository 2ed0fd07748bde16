// The reference collector: accepts Segment-compatible batches (engagekit's, and Segment's own
// SDK's), checks every message against the repo's JSON Schema, stores each messageId once and
// answers 2xx only after the write is committed. Serves the engagement report too.
//
//   node examples/collector/server.mjs [--port 4318] [--data-dir ./data] [--database-url postgres://…]
//                                      [--write-keys k1,k2] [--allowed-origins https://shop.example]
// or the same as environment variables: PORT, DATA_DIR, DATABASE_URL, WRITE_KEYS, ALLOWED_ORIGINS.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Refused, MAX_BODY, decode, isIngestPath, parse } from './ingest.mjs';
import { openStore } from './store.mjs';
import { handleReport } from './report/routes.mjs';

/** JSON lines on stdout, one per request (and per lifecycle step). @param {object} o */
const jsonLog = (o) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');

/**
 * Start the collector.
 *
 * @param {{ port?: number, host?: string, dataDir?: string, databaseUrl?: string, writeKeys?: string[],
 *   allowedOrigins?: string[], log?: (o: object) => void, shutdownGraceMs?: number }} [opts]
 *   `shutdownGraceMs`: how long close() waits for requests still being received before it cuts them.
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
} = {}) {
  const store = await openStore({ databaseUrl, dataDir });
  const keys = new Set(writeKeys.filter(Boolean));
  const origins = new Set(allowedOrigins.filter(Boolean));
  /** Requests being answered: a graceful close waits for them (their writes included). */
  const inflight = new Set();

  const server = http.createServer((req, res) => {
    const done = handle(req, res).catch((e) => {
      log({ level: 'error', msg: 'unhandled', error: String(e?.stack || e) });
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    });
    inflight.add(done);
    done.finally(() => inflight.delete(done));
  });

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
      res.setHeader('Access-Control-Allow-Credentials', 'true');
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
      // Refused before the whole body was read: close the connection rather than read the rest.
      if (status == 413 && !req.complete) headers.Connection = 'close';
      reply(res, status, body, headers);
      return line(status, {
        ...extra,
        ...(body.error ? { error: body.error } : {}),
      });
    }
    if (await handleReport(req, res, url, store)) return line(res.statusCode);
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
    try {
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.resume();
          return [413, { error: `body over ${MAX_BODY} bytes` }];
        }
        chunks.push(chunk);
      }
    } catch {
      return [400, { error: 'request aborted' }];
    }
    let parsed;
    try {
      parsed = parse(path, decode(Buffer.concat(chunks), req.headers['content-encoding']), receivedAt);
    } catch (err) {
      if (err instanceof Refused) return [err.status, { error: err.message }];
      throw err;
    }
    // Segment's SDKs send the write key as the Basic auth user name; engagekit in the body.
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization || '');
    const writeKey = parsed.writeKey ?? (basic ? Buffer.from(basic[1], 'base64').toString().split(':')[0] : undefined);
    if (keys.size && !keys.has(writeKey || '')) return [401, { error: 'unknown write key' }];
    for (const row of parsed.rows) row.write_key = writeKey || '';
    const { rows, rejected, droppedEvents } = parsed;
    if (!rows.length)
      return [
        400,
        { error: 'no valid message in the batch', rejected },
        { rejected: rejected.length, firstReason: rejected[0]?.reason },
      ];
    let accepted;
    try {
      accepted = await store.insert(rows);
    } catch (err) {
      // Nothing was committed: 503 makes the SDK keep the events and retry.
      log({ level: 'error', msg: 'storage failed', error: String(/** @type {Error} */ (err).message || err) });
      return [503, { error: 'storage unavailable, retry later' }];
    }
    const duplicates = rows.length - accepted;
    // 200 even when some messages were rejected: they can never become valid, and a 4xx would make
    // an SDK drop (or a 5xx resend) the valid ones with them. The rejected ones are listed.
    return [
      200,
      { accepted, duplicates, rejected },
      {
        accepted,
        duplicates,
        rejected: rejected.length,
        ...(rejected.length && { firstReason: rejected[0].reason }),
        ...(droppedEvents && { droppedEvents }),
      },
    ];
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log({ level: 'info', msg: 'listening', url, storage: store.dialect });
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
