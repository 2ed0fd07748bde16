// 1,000 track() calls in one task on the script tag (every automatic capture off; a distinct event
// name and three string properties each), with 1,000 events already queued and the collector
// unreachable (so they stay queued): the synchronous time of the burst, and the long tasks
// (over 50 ms) in the 2 s after it. Real Chromium (headless, CHROME_PATH or /usr/bin/chromium),
// five fresh pages. `node scripts/bench-track.mjs` after `npm run build`.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const script = readFileSync(root + 'dist/engagekit.min.js');
const CAPTURES_OFF = ['page-view', 'engagement', 'forms', 'links', 'web-vitals', 'commerce']
  .map((name) => ` data-${name}="false"`)
  .join('');
const server = createServer((request, response) => {
  if (request.url == '/engagekit.min.js')
    return response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>bench</title>
<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};
window.longTasks=[];new PerformanceObserver((list)=>{for(const entry of list.getEntries())longTasks.push([entry.startTime,entry.duration])}).observe({type:'longtask'});</script>
<script async src="/engagekit.min.js" data-endpoint="http://127.0.0.1:9/v1/batch" data-write-key="bench"${CAPTURES_OFF}></script>`);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium' });
const burst = (prefix) =>
  `(() => { const began = performance.now();
  for (let i = 0; i < 1000; i++) engagekit('track', '${prefix}' + i, { first: 'some text ' + i, second: 'more text', third: 'x'.repeat(20) });
  return [began, performance.now() - began]; })()`;
const results = [];
try {
  for (let run = 0; run < 5; run++) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.engagekit?.l === 1);
    await page.evaluate(burst('queued'));
    // Let the first thousand settle into IndexedDB.
    await page.waitForTimeout(3000);
    const [began, syncMs] = await page.evaluate(burst('event'));
    await page.waitForTimeout(2000);
    const longTasks = (await page.evaluate(() => window.longTasks)).filter(
      ([start, duration]) => start + duration > began,
    );
    results.push({ syncMs, longTasks: longTasks.map(([, duration]) => Math.round(duration)) });
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
for (const { syncMs, longTasks } of results)
  console.log(
    `1,000 track() with 1,000 queued: ${syncMs.toFixed(1)} ms synchronous; long tasks in the 2 s after: ${longTasks.length ? longTasks.join(', ') + ' ms' : 'none'}`,
  );
