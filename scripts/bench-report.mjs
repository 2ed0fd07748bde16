// The report over a large store: `npm run bench:report -- --events 1000000 [--database-url postgres://…]
// [--batch 20] [--concurrency 1] [--fill store|bulk] [--raw] [--tables] [--keep DIR]`. Fills an empty store
// (SQLite in a temp directory, or the PostgreSQL database given, which must be empty) with
// generated sessions over the last 30 days (`--days`: over that many days), then times the
// dashboard's report (/api/metrics' computeMetrics, on the report's own connection) for the last
// 30 and 7 days: the first run and the median of three more. `--raw`: also from the raw events,
// as before the rollups (slow: minutes at a million events). `--tables`: each table alone, too.
//
// `--fill store` (the default) stores the events through `store.insert`, rollups included, with
// `--concurrency` requests of `--batch` events under way at once (the store commits the requests
// that wait together, as the collector does under load): the ingest figure is events/s through it.
// `--fill bulk`, for ten million events and more: the events go straight into `events` (its
// secondary indexes dropped, in transactions of 50,000), then the store is opened again, which
// makes the indexes and builds every rollup from the events with the statements ingest runs
// (rollups.mjs, as for a store made before the rollups): the same rollup rows, far faster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLUMNS, INSERT_EVENTS_PG, openStore } from '../examples/collector/store.mjs';
import {
  computeCustomerSummary,
  computeMetrics,
  computeTable,
  DAY,
  TABLE_NAMES,
} from '../examples/collector/report/metrics.mjs';
import { sessions } from './bench-report-sessions.mjs';

const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => {
  const i = args.indexOf('--' + name);
  return i < 0 ? undefined : (args[i + 1] ?? '');
};
const events = Number(flag('events') ?? 100_000);
const batch = Number(flag('batch') ?? 20);
const concurrency = Number(flag('concurrency') ?? 1);
const fill = flag('fill') ?? 'store';
/** The secondary indexes of `events`, dropped for a bulk fill and made again when the store opens. */
const EVENT_INDEXES = [
  'events_ts',
  'events_session',
  'events_event',
  'events_visitor',
  'events_identify',
  'events_identify_latest',
];

const days = Number(flag('days') ?? 30);
const databaseUrl = flag('database-url');
const keep = flag('keep');
const dir = keep || mkdtempSync(join(tmpdir(), 'bench-report-'));

// No time limit on the report's worker: the point is to measure it.
// The store's own lines (a migration, a rebuild) on stderr: stdout is the results' JSON alone.
const open = () =>
  openStore({
    databaseUrl,
    dataDir: dir,
    reportTimeoutMs: 3_600_000,
    log: (entry) => process.stderr.write(JSON.stringify(entry) + '\n'),
  });
let store = await open();
const today = Math.floor(Date.now() / DAY) * DAY + DAY;
const [count] = await store.all('SELECT COUNT(*) AS n FROM events');
let ingest = '';
const generated = () => sessions({ events, batch, days, now: today - 1 });
if (Number(count.n) === 0 && fill === 'bulk') {
  await store.close();
  const t0 = performance.now();
  const n = await (databaseUrl ? bulkPostgres(databaseUrl) : bulkSqlite(join(dir, 'engagekit.sqlite')));
  const t1 = performance.now();
  store = await open();
  const t2 = performance.now();
  ingest = `bulk: ${n.toLocaleString('en')} events stored in ${((t1 - t0) / 1000).toFixed(1)} s, then indexes and rollups built in ${((t2 - t1) / 1000).toFixed(1)} s`;
} else if (Number(count.n) === 0) {
  const t0 = performance.now();
  let n = 0;
  let shown = 0;
  // Up to `concurrency` inserts under way, as many clients would have.
  const running = new Set();
  for (const rows of generated()) {
    const p = store.insert(rows).then((k) => {
      n += k;
      running.delete(p);
    });
    running.add(p);
    if (running.size >= concurrency) await Promise.race(running);
    if (n - shown >= 100_000) process.stderr.write(`\r${(shown = n).toLocaleString('en')} events`);
  }
  await Promise.all(running);
  const s = (performance.now() - t0) / 1000;
  ingest = `${Math.round(n / s).toLocaleString('en')} events/s (${n.toLocaleString('en')} events in ${s.toFixed(1)} s, batches of ${batch}, ${concurrency} at once)`;
  process.stderr.write('\n');
}
const [{ n: total }] = await store.all('SELECT COUNT(*) AS n FROM events');
const [{ n: sessionsN }] = await store.all('SELECT COUNT(DISTINCT session_id) AS n FROM rollup_sessions');

/** First run and median of three more, in ms. @param {() => Promise<unknown>} f */
async function time(f) {
  const runs = [];
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    await f();
    runs.push(performance.now() - t);
  }
  const rest = runs.slice(1).sort((a, b) => a - b);
  return `${Math.round(runs[0])} ms first, ${Math.round(rest[1])} ms median`;
}
const range = (/** @type {number} */ days) => ({ from: today - days * DAY, to: today });
const results = {
  backend: store.dialect,
  events: Number(total),
  sessions: Number(sessionsN),
  ingest,
  'report 30 days (rollups)': await time(() => computeMetrics(store.report, range(30))),
  'report 7 days (rollups)': await time(() => computeMetrics(store.report, range(7))),
  // The customer part of the report alone (already inside the times above).
  'customer summary 30 days': await time(() => computeCustomerSummary(store.report, range(30))),
  'retention 30 days': await time(() => computeTable(store.report, 'retention', range(30))),
  'orderRetention 30 days': await time(() => computeTable(store.report, 'orderRetention', range(30))),
  'customers 30 days': await time(() => computeTable(store.report, 'customers', range(30))),
};
// Each table alone (30 days), where the report's time goes.
if (args.includes('--tables'))
  for (const name of TABLE_NAMES)
    results[`table ${name} 30 days`] = await time(() => computeTable(store.report, name, range(30)));
if (args.includes('--raw')) {
  /** One run only: minutes. @param {number} days */
  const once = async (days) => {
    const t = performance.now();
    await computeMetrics(store.report, range(days), { source: 'raw' });
    return `${Math.round(performance.now() - t)} ms`;
  };
  Object.assign(results, {
    'report 30 days (raw events)': await once(30),
    'report 7 days (raw events)': await once(7),
  });
}
// The process's memory after the reports: the report worker's page cache and day cache included.
Object.assign(results, { 'resident memory after': `${Math.round(process.memoryUsage().rss / 1048576)} MB` });
console.log(JSON.stringify(results, null, 2));
await store.close();
if (!keep) rmSync(dir, { recursive: true, force: true });

/** `--fill bulk` on SQLite: the generated rows straight into `events`, no rollup. @param {string} file */
async function bulkSqlite(file) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  for (const i of EVENT_INDEXES) db.exec(`DROP INDEX IF EXISTS ${i}`);
  const ins = db.prepare(
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (write_key, message_id) DO NOTHING`,
  );
  /** @type {import('../examples/collector/store.mjs').Row[]} */
  let chunk = [];
  let n = 0;
  const flush = db.transaction(() => {
    for (const r of chunk) n += ins.run(COLUMNS.map((c) => r[c])).changes;
    chunk = [];
  });
  for (const rows of generated()) {
    chunk.push(...rows);
    if (chunk.length >= 50_000) {
      flush();
      process.stderr.write(`\r${n.toLocaleString('en')} events`);
    }
  }
  flush();
  // As a store made before the rollups: the next open builds them from the events.
  db.exec('DELETE FROM rollup_meta');
  db.close();
  process.stderr.write('\n');
  return n;
}

/** `--fill bulk` on PostgreSQL. @param {string} url */
async function bulkPostgres(url) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const i of EVENT_INDEXES) await c.query(`DROP INDEX IF EXISTS ${i}`);
  // The store's own statement: the events into their monthly partitions, their keys into event_keys.
  const text = `${INSERT_EVENTS_PG} SELECT COUNT(*) AS n FROM added`;
  /** @type {import('../examples/collector/store.mjs').Row[]} */
  let chunk = [];
  let n = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const r = await c.query({ name: 'bulk', text, values: COLUMNS.map((col) => chunk.map((row) => row[col])) });
    n += Number(r.rows[0].n);
    chunk = [];
  };
  for (const rows of generated()) {
    chunk.push(...rows);
    if (chunk.length >= 10_000) {
      await flush();
      if (n % 200_000 < 10_000) process.stderr.write(`\r${n.toLocaleString('en')} events`);
    }
  }
  await flush();
  await c.query('DELETE FROM rollup_meta');
  await c.end();
  process.stderr.write('\n');
  return n;
}
