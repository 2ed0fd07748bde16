// Ingest over HTTP with many concurrent clients: `npm run bench:collector -- [--events 200000]
// [--clients 50] [--batch 20] [--database-url postgres://…] [--clients-nice 10]`. Starts the collector as its own
// process (SQLite in a temp directory, or the PostgreSQL database given), then `clients` loops
// each POST batches of `batch` messages (the generated sessions of bench:report, as Segment-spec
// track and page messages) until `events` were accepted, in three phases of a third each: alone,
// while a 30-day report is asked for in a loop, and alone again. Prints for each events/s, the
// median, 99th-percentile and slowest answer time of an ingest request, the same as the collector
// itself timed them, the longest the collector's event loop was kept from running (its `event
// loop` log, every second: a request that arrives meanwhile waits that long before its handler
// starts), and the CPU time per event (Linux): the collector's, the collector's and its
// database's, the clients'. Then what the reports added to the collector-timed times: the report
// phase's minus the mean of the two others'. `REPORT_CACHE_SECONDS=0` makes every report of the
// loop a computation.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
 * The ingest requests' times as the collector timed them (its log's `ms`: from its handler's start
 * to the answer), since the last reset. The bench's own times also hold what happens before the
 * handler and in this process, which shares the two cores with the collector.
 * @type {number[]}
 */
let handled = [];
/** The nearest-rank `p` quantile of `sorted` (ascending), 0 when it is empty. @param {number[]} sorted @param {number} p */
const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
/** Median, 99th percentile and slowest of `handled`. */
const percentiles = () => {
  const t = [...handled].sort((a, b) => a - b);
  return [0.5, 0.99, 1].map((p) => quantile(t, p));
};
const handledTimes = () => {
  const [median, p99, slowest] = percentiles();
  return `median ${median} ms, p99 ${p99} ms, slowest ${slowest} ms`;
};
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
    if (o.path == '/v1/batch') handled.push(o.ms);
    if (o.msg == 'event loop') longestLoopDelay = Math.max(longestLoopDelay, o.maxMs);
  });
  child.once('exit', () => reject(new Error('the collector exited')));
});

if (clientsNice !== undefined) setPriority(Number(clientsNice));

/** The UUID standing for `id` in `ids`, made on its first use. @param {Map<string, string>} ids @param {string} id */
function uuidOf(ids, id) {
  let uuid = ids.get(id);
  if (!uuid) ids.set(id, (uuid = randomUUID()));
  return uuid;
}

/**
 * Request bodies, made before the clock starts. Message and session ids are random UUIDs, as the
 * SDK makes them: the generator's are counters, which enter the events' key and the sessions'
 * rollups in order, at the end of their b-trees, where a UUID lands on a page of its own (in
 * process, on an empty store: 24.0 KB of log written per event against 17.5 with counters).
 */
const bodies = [];
/** @type {Map<string, string>} */
const sessionIds = new Map();
for (const rows of sessions({ events, batch, now: Date.now() - 60_000, seed: Date.now() % 1e6 })) {
  const messages = rows.map((r) => ({
    type: r.type,
    ...(r.event && { event: r.event }),
    messageId: randomUUID(),
    anonymousId: r.anonymous_id,
    timestamp: new Date(r.ts).toISOString(),
    properties: JSON.parse(r.properties),
    context: {
      library: { name: 'bench', version: '1' },
      session: { id: uuidOf(sessionIds, /** @type {string} */ (r.session_id)), index: r.session_index },
    },
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

/**
 * CPU time so far in ms (Linux, from /proc; undefined elsewhere): the collector's process, this
 * process (the clients), and the whole machine's busy time. The machine's minus the clients' is
 * what ingest cost the collector and its database (PostgreSQL's server processes included), and
 * events per second per core of it is what one instance could take on cores of its own, where
 * this machine's two cores are shared with the clients.
 */
function cpu() {
  try {
    const tick = 10; // ms per clock tick (USER_HZ 100 on Linux)
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const collector = (Number(fields[11]) + Number(fields[12])) * tick;
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const machine = (all.slice(0, 8).reduce((a, b) => a + b, 0) - all[3] - all[4]) * tick;
    const own = process.cpuUsage();
    return { collector, machine, clients: (own.user + own.system) / 1000 };
  } catch {
    return undefined;
  }
}

/** Every client posts the next body until none is left; returns answer times in ms. */
async function load(/** @type {string[]} */ queue) {
  const times = [];
  let accepted = 0;
  const c0 = cpu();
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
  const at = (/** @type {number} */ p) => Math.round(quantile(times, p));
  const c1 = cpu();
  const perEvent = (/** @type {number} */ ms) => Math.round((ms * 1000) / accepted);
  /** The collector's and its database's CPU time: the machine's busy time minus the clients'. */
  const server = c0 && c1 ? c1.machine - c0.machine - (c1.clients - c0.clients) : 0;
  const cost =
    c0 && c1
      ? `; CPU per event: collector ${perEvent(c1.collector - c0.collector)} µs, collector and database ${perEvent(server)} µs (${Math.round((accepted * 1000) / server).toLocaleString('en')} events/s per core), clients ${perEvent(c1.clients - c0.clients)} µs`
      : '';
  return `${Math.round(accepted / s).toLocaleString('en')} events/s (${accepted.toLocaleString('en')} in ${s.toFixed(1)} s), request median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms${cost}`;
}

const results = { backend: databaseUrl ? 'postgres' : 'sqlite', clients, batch, clientsNice: clientsNice ?? 'none' };
/** Past the collector's next `event loop` line, which covers the end of the phase. */
const nextLoopLine = () => new Promise((resolve) => setTimeout(resolve, 1100));
/** The requests' times as the collector timed them, per phase: [median, p99, slowest]. */
const phases = /** @type {number[][]} */ ([]);
/**
 * One phase: a third of the bodies posted, then what the collector logged meanwhile.
 * @param {string} name @param {number} third @param {boolean} [reporting]  a report asked for in a loop meanwhile
 */
async function phase(name, third, reporting = false) {
  handled = [];
  longestLoopDelay = 0;
  ownLoop.reset();
  let reports = 0;
  let running = reporting;
  const reporter = (async () => {
    while (running) {
      const r = await fetch(url + '/api/metrics');
      await r.arrayBuffer();
      reports++;
    }
  })();
  const size = Math.ceil(bodies.length / 3);
  results[name] = await load(bodies.slice(third * size, (third + 1) * size));
  running = false;
  await reporter;
  await nextLoopLine();
  if (reporting) results[`${name}: reports answered`] = reports;
  results[`${name}: requests as the collector timed them`] = handledTimes();
  results[`${name}: longest event-loop delay in the collector`] = `${longestLoopDelay} ms`;
  results[`${name}: longest event-loop delay in the bench's own process`] = ownLongest();
  phases.push(percentiles());
}
// Alone, during reports, alone again: the store grows from phase to phase, so the report's
// phase is set against the mean of the phases around it, on a store of its size on average.
await phase('ingest alone', 0);
await phase('ingest while the report is asked for in a loop', 1, true);
await phase('ingest alone again', 2);
const [before, during, after] = phases;
results['what the reports added to the collector-timed requests (during, minus the mean of alone and alone again)'] = [
  'median',
  'p99',
  'slowest',
]
  .map((label, i) => `${label} ${Math.round(during[i] - (before[i] + after[i]) / 2)} ms`)
  .join(', ');
console.log(JSON.stringify(results, null, 2));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
