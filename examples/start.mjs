// `npm start` (after `npm run build`): the whole job on localhost. The reference collector
// (events in SQLite under ./data, or PostgreSQL with DATABASE_URL) with its engagement report,
// and the demo store, instrumented with nothing but engagekit's script tag, sending to it.
// `npm run demo:traffic` then fills the report with realistic visits.
//
// Environment: PORT_COLLECTOR (default 4318), PORT_SHOP (default 4321), DATA_DIR (default
// ./data of the repo), DATABASE_URL. Port 0 picks a free port (the tests use that).
import net from 'node:net';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from './collector/server.mjs';
import { startShop } from './shop/server.mjs';

const WRITE_KEY = 'demo';
const collectorPort = Number(process.env.PORT_COLLECTOR ?? 4318);
const shopPort = Number(process.env.PORT_SHOP ?? 4321);
const dataDir = process.env.DATA_DIR || fileURLToPath(new URL('../data/', import.meta.url));
const databaseUrl = process.env.DATABASE_URL || undefined;

/**
 * A port for the store, known before it starts: the collector, started first, only accepts
 * batches from the store's origin. Port 0 asks the system for a free one.
 * @param {number} port
 */
async function portFor(port) {
  if (port) return port;
  const probe = net.createServer();
  await new Promise((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined)));
  const free = /** @type {net.AddressInfo} */ (probe.address()).port;
  await new Promise((resolve) => probe.close(() => resolve(undefined)));
  return free;
}

/** The collector's request log is JSON lines; here only what needs attention is shown. @param {object} entry */
function log(entry) {
  const o = /** @type {Record<string, unknown>} */ (entry);
  const status = Number(o.status) || 0;
  if (o.level === 'error' || o.level === 'warn' || (status >= 400 && o.method !== 'OPTIONS'))
    process.stderr.write(`collector: ${JSON.stringify(o)}\n`);
}

/** @param {unknown} e @param {string} what @param {string} env */
function explain(e, what, env) {
  const err = /** @type {NodeJS.ErrnoException} */ (e);
  if (err?.code === 'EADDRINUSE')
    return `${what}: port ${/** @type {any} */ (err).port} is in use (set ${env} to another port, or stop what uses it)`;
  return `${what}: ${err?.message || err}`;
}

if (!existsSync(new URL('../dist/engagekit.min.js', import.meta.url))) {
  console.error('dist/engagekit.min.js is missing: run `npm run build` first (`npm start` does).');
  process.exit(1);
}

/** @type {Awaited<ReturnType<typeof startCollector>> | undefined} */
let collector;
/** @type {Awaited<ReturnType<typeof startShop>> | undefined} */
let shop;
try {
  const port = await portFor(shopPort);
  collector = await startCollector({
    port: collectorPort,
    dataDir,
    databaseUrl,
    writeKeys: [WRITE_KEY],
    allowedOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
    log,
  }).catch((e) => {
    throw new Error(explain(e, 'the collector could not start', 'PORT_COLLECTOR'));
  });
  shop = await startShop({ port, collectorUrl: collector.url, writeKey: WRITE_KEY }).catch((e) => {
    throw new Error(explain(e, 'the store could not start', 'PORT_SHOP'));
  });
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  await collector?.close();
  process.exit(1);
}

const storage = databaseUrl
  ? `PostgreSQL at ${new URL(databaseUrl).host}`
  : `SQLite, ${relative(process.cwd(), join(dataDir, 'engagekit.sqlite'))}`;
console.log(`
engagekit demo: a store, the collector it sends to, and the engagement report

  Store                 ${shop.url}/   (instrumented with the script tag, nothing else)
  Store as an SPA       ${shop.url}/spa/
  Collector endpoint    ${collector.url}/v1/batch   (events stored in ${storage})
  Engagement report     ${collector.url}/

  Visit the store, then open the report. For a few dozen realistic visits (bounces, browsing,
  carts, checkouts, orders), run in another terminal:

      npm run demo:traffic${shop.url === 'http://127.0.0.1:4321' ? '' : ` -- --shop ${shop.url}`}

  Ctrl-C stops both.
`);

let stopping = false;
/** Stop the store, then the collector (which finishes the writes under way), and leave with 0. */
async function stop() {
  if (stopping) {
    // A second Ctrl-C: do not wait any longer.
    process.exit(130);
  }
  stopping = true;
  const forced = setTimeout(() => {
    console.error('shutdown took over 10 s; exiting anyway');
    process.exit(1);
  }, 10_000);
  forced.unref();
  await shop?.close();
  await collector?.close();
  console.log('engagekit demo stopped.');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
