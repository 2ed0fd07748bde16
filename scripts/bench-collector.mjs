// Ingest over HTTP with many concurrent clients: `npm run bench:collector -- [--events 200000]
// [--clients 50] [--batch 20] [--database-url postgres://…] [--clients-nice 10]`. Starts the collector as its own
// process (SQLite in a temp directory, or the PostgreSQL database given), then `clients` loops
// each POST batches of `batch` messages (the generated sessions of bench:report, as Segment-spec
// track and page messages) until `events` were accepted. Prints events/s, and the median and
// 99th-percentile answer time of an ingest request, then the same while a 30-day report is asked
// for in a loop (the delay a report adds to ingest), and for each the slowest ingest request as the
// collector itself timed it, and the longest the collector's event loop was kept from running (its
// `event loop` log, every second): a request that arrives meanwhile waits that long before its
// handler starts. `REPORT_CACHE_SECONDS=0` makes every report of the loop a computation.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sessions } from './bench-report-sessions.mjs';

const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => {
  const i = args.indexOf('--' + name);
  return i < 0 ? undefined : (args[i + 1] ?? '');
};
const events = Number(flag('events') ?? 200_000);
const clients = Number(flag('clients') ?? 50);
const batch = Number(flag('batch') ?? 20);
const databaseUrl = flag('database-url') ?? '';
// --clients-nice N: this process (the clients) runs at nice N once the collector has started at
// the priority it was given, so the clients yield the cores to it, standing in for clients on
// other machines (on two cores they otherwise take CPU time the collector would use).
const clientsNice = flag('clients-nice');
const dir = mkdtempSync(join(tmpdir(), 'bench-collector-'));

/**
 * The slowest ingest request as the collector timed it (its log's `ms`: from its handler's start to
 * the answer), since the last reset. The bench's own times also hold what happens before the
 * handler and in this process, which shares the two cores with the collector.
 */
let slowestHandled = 0;
/** The longest event-loop delay the collector logged since the last reset (ms). */
let longestLoopDelay = 0;
const child = spawn(process.execPath, [new URL('../examples/collector/server.mjs', import.meta.url).pathname], {
  env: { ...process.env, PORT: '0', DATA_DIR: dir, DATABASE_URL: databaseUrl, EVENT_LOOP_LOG_SECONDS: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) }).on('line', (line) => {
    const o = JSON.parse(line);
    if (o.msg == 'listening') resolve(o.url);
    if (o.path == '/v1/batch') slowestHandled = Math.max(slowestHandled, o.ms);
    if (o.msg == 'event loop') longestLoopDelay = Math.max(longestLoopDelay, o.maxMs);
  });
  child.once('exit', () => reject(new Error('the collector exited')));
});

if (clientsNice !== undefined) setPriority(Number(clientsNice));

/** Request bodies, made before the clock starts. */
const bodies = [];
for (const rows of sessions({ events, batch, now: Date.now() - 60_000, seed: Date.now() % 1e6 })) {
  const messages = rows.map((r) => ({
    type: r.type,
    ...(r.event && { event: r.event }),
    messageId: r.message_id,
    anonymousId: r.anonymous_id,
    timestamp: new Date(r.ts).toISOString(),
    properties: JSON.parse(r.properties),
    context: { library: { name: 'bench', version: '1' }, session: { id: r.session_id, index: r.session_index } },
  }));
  bodies.push(JSON.stringify({ batch: messages, writeKey: 'bench', sentAt: new Date().toISOString() }));
}

/**
 * This process's own event loop: its clients share the two cores with the collector, and an answer
 * that arrived while this loop was busy is timed late by that much.
 */
const ownLoop = monitorEventLoopDelay({ resolution: 10 });
ownLoop.enable();
const ownLongest = () => `${Math.round(ownLoop.max / 1e6)} ms`;

/** Every client posts the next body until none is left; returns answer times in ms. */
async function load(/** @type {string[]} */ queue) {
  const times = [];
  let accepted = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let body = queue.pop(); body; body = queue.pop()) {
        const t = performance.now();
        const r = await fetch(url + '/v1/batch', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
        const json = await r.json();
        times.push(performance.now() - t);
        if (r.status != 200) throw new Error(`${r.status} ${JSON.stringify(json)}`);
        accepted += json.accepted;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const at = (/** @type {number} */ p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]);
  return `${Math.round(accepted / s).toLocaleString('en')} events/s (${accepted.toLocaleString('en')} in ${s.toFixed(1)} s), request median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

const half = Math.floor(bodies.length / 2);
const results = { backend: databaseUrl ? 'postgres' : 'sqlite', clients, batch, clientsNice: clientsNice ?? 'none' };
/** Past the collector's next `event loop` line, which covers the end of the phase. */
const nextLoopLine = () => new Promise((resolve) => setTimeout(resolve, 1100));
results['ingest alone'] = await load(bodies.slice(0, half));
await nextLoopLine();
results['ingest alone: slowest request as the collector timed it'] = `${slowestHandled} ms`;
results['ingest alone: longest event-loop delay in the collector'] = `${longestLoopDelay} ms`;
results["ingest alone: longest event-loop delay in the bench's own process"] = ownLongest();
slowestHandled = 0;
longestLoopDelay = 0;
ownLoop.reset();
let reporting = true;
let reports = 0;
const reporter = (async () => {
  while (reporting) {
    const r = await fetch(url + '/api/metrics');
    await r.arrayBuffer();
    reports++;
  }
})();
results['ingest while the report is asked for in a loop'] = await load(bodies.slice(half));
reporting = false;
await reporter;
await nextLoopLine();
results['reports answered meanwhile'] = reports;
results['during reports: slowest request as the collector timed it'] = `${slowestHandled} ms`;
results['during reports: longest event-loop delay in the collector'] = `${longestLoopDelay} ms`;
results["during reports: longest event-loop delay in the bench's own process"] = ownLongest();
console.log(JSON.stringify(results, null, 2));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
