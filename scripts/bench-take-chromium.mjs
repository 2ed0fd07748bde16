// The measurement of scripts/bench-take.mjs in real Chromium (headless, CHROME_PATH or Debian's
// /usr/bin/chromium): one `_take` of 20 from 10,000 queued records, three runs.
// `node scripts/bench-take-chromium.mjs`; BENCH_SRC=<another checkout's src/> to compare.
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const src = process.env.BENCH_SRC || root + 'src';
const bundle = await build({
  stdin: {
    contents: `import { idbStore } from '${src}/queue/idbStore.ts';
window.bench = async () => {
  const QUEUED = 10000, BATCH = 20, ROUNDS = 20;
  const store = idbStore('bench-' + Math.random());
  const start = Date.now() - 60000;
  const records = Array.from({ length: QUEUED }, (_, index) => ({
    id: 'm' + index,
    j: '{"messageId":"m' + index + '","event":"bench","properties":{"a":"some text","b":"more text"}}',
    n: 80, t: start + Math.floor(index / 3), q: index, o: 'tab',
  }));
  for (let index = 0; index < QUEUED; index += 1000) await store._put(records.slice(index, index + 1000), QUEUED);
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    const began = performance.now();
    const [batch] = await store._take({ count: BATCH, bytes: 64000, now: Date.now(), maxAge: 864e5, ttl: 30000, skip: () => false });
    times.push(performance.now() - began);
    if (batch.length != BATCH) throw new Error('took ' + batch.length);
  }
  const first = times[0];
  times.sort((earlier, later) => earlier - later);
  const capBegan = performance.now();
  await store._put([{ ...records[0], id: 'extra', t: Date.now(), q: 0 }], QUEUED);
  const cap = performance.now() - capBegan;
  return '_take of 20 from 10000 queued: first ' + first.toFixed(1) + ' ms, median ' + times[ROUNDS >> 1].toFixed(1) +
    ' ms, max ' + times[ROUNDS - 1].toFixed(1) + ' ms; _put of 1 over the cap: ' + cap.toFixed(1) + ' ms';
};`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'iife',
  write: false,
  nodePaths: [root + 'node_modules'],
  logLevel: 'error',
});
const script = bundle.outputFiles[0].text;
const server = createServer((request, response) => {
  response.setHeader('content-type', request.url == '/bench.js' ? 'text/javascript' : 'text/html');
  response.end(request.url == '/bench.js' ? script : '<script src="/bench.js"></script>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium' });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  for (let run = 0; run < 3; run++) console.log(await page.evaluate(() => window.bench()));
} finally {
  await browser.close();
  server.close();
}
