// The cost of one `_take` of 20 from a queue of 10,000 records, in Node on fake-indexeddb:
// `node scripts/bench-take.mjs`. It bundles src/queue/idbStore.ts with esbuild (a dev dependency
// of vite) into a temporary file, fills a fresh database, then times takes (each claims 20, so the
// queue is not drained between them): the first takes, with nothing claimed, and the median of all,
// where the batches claimed earlier lie ahead of the next one; then the cap's delete of the oldest on a
// full queue.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const QUEUED = 10_000;
const BATCH = 20;
const ROUNDS = 20;

const dir = mkdtempSync(join(tmpdir(), 'bench-take-'));
const outfile = join(dir, 'idbStore.mjs');
await build({
  // BENCH_SRC: another checkout's src/ (to compare with an earlier version).
  entryPoints: [join(process.env.BENCH_SRC || new URL('../src', import.meta.url).pathname, 'queue/idbStore.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  outfile,
  logLevel: 'error',
  nodePaths: [new URL('../node_modules', import.meta.url).pathname],
});
const { idbStore } = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true });

const store = idbStore('bench-' + Date.now());
const start = Date.now() - 60_000;
const records = Array.from({ length: QUEUED }, (_, index) => ({
  id: 'm' + index,
  j: `{"messageId":"m${index}","event":"bench","properties":{"a":"some text","b":"more text"}}`,
  n: 80,
  t: start + Math.floor(index / 3),
  q: index,
  o: 'tab',
}));
for (let index = 0; index < QUEUED; index += 1000) await store._put(records.slice(index, index + 1000), QUEUED);

const limits = () => ({ count: BATCH, bytes: 64_000, now: Date.now(), maxAge: 864e5, ttl: 30_000, skip: () => false });
const times = [];
for (let round = 0; round < ROUNDS; round++) {
  const began = performance.now();
  const [batch] = await store._take(limits());
  times.push(performance.now() - began);
  if (batch.length != BATCH) throw new Error('took ' + batch.length);
}
const first = times[0];
times.sort((earlier, later) => earlier - later);
const capBegan = performance.now();
const dropped = await store._put([{ ...records[0], id: 'extra', t: Date.now(), q: 0 }], QUEUED);
const capTime = performance.now() - capBegan;
console.log(
  `_take of ${BATCH} from ${QUEUED} queued: first ${first.toFixed(1)} ms, median ${times[ROUNDS >> 1].toFixed(1)} ms, ` +
    `min ${times[0].toFixed(1)} ms, max ${times[ROUNDS - 1].toFixed(1)} ms (${ROUNDS} takes); ` +
    `_put of 1 over the cap (dropped ${dropped}): ${capTime.toFixed(1)} ms`,
);
