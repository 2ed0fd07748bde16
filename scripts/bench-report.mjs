// The report over a large store: `npm run bench:report -- --events 1000000 [--database-url postgres://…]
// [--batch 20] [--raw] [--keep DIR]`. Fills an empty store (SQLite in a temp directory, or the
// PostgreSQL database given, which must be empty) with generated sessions over the last 30 days
// (`--days`: over that many days) through `store.insert` (rollups included: the ingest figure is
// events/s through it), then times
// the dashboard's report (/api/metrics' computeMetrics, on the report's own connection) for the
// last 30 and 7 days: the first run and the median of three more. `--raw`: also from the raw
// events, as before the rollups (slow: minutes at a million events).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../examples/collector/store.mjs';
import { computeCustomerSummary, computeMetrics, computeTable, DAY } from '../examples/collector/report/metrics.mjs';
import { sessions } from './bench-report-sessions.mjs';

const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => {
  const i = args.indexOf('--' + name);
  return i < 0 ? undefined : (args[i + 1] ?? '');
};
const events = Number(flag('events') ?? 100_000);
const batch = Number(flag('batch') ?? 20);
const days = Number(flag('days') ?? 30);
const databaseUrl = flag('database-url');
const keep = flag('keep');
const dir = keep || mkdtempSync(join(tmpdir(), 'bench-report-'));

// No time limit on the report's worker: the point is to measure it.
const store = await openStore({ databaseUrl, dataDir: dir, reportTimeoutMs: 3_600_000 });
const today = Math.floor(Date.now() / DAY) * DAY + DAY;
const [count] = await store.all('SELECT COUNT(*) AS n FROM events');
let ingest = '';
if (Number(count.n) === 0) {
  const t0 = performance.now();
  let n = 0;
  for (const rows of sessions({ events, batch, days, now: today - 1 })) {
    n += await store.insert(rows);
    if (n % 100_000 < rows.length) process.stderr.write(`\r${n.toLocaleString('en')} events`);
  }
  const s = (performance.now() - t0) / 1000;
  ingest = `${Math.round(n / s).toLocaleString('en')} events/s (${n.toLocaleString('en')} events in ${s.toFixed(1)} s, batches of ${batch})`;
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
console.log(JSON.stringify(results, null, 2));
await store.close();
if (!keep) rmSync(dir, { recursive: true, force: true });
