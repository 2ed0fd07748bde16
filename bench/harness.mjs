/**
 * The benchmark harness: measures engagekit and its peers in one headless Chromium, against one
 * collector per run (bench/collector.mjs), on a demo store served as http://shop.example:PORT.
 *
 *   import { runBench, formatMarkdown } from './harness.mjs';
 *   const results = await runBench({ peers: ['engagekit'], quick: true });
 *
 * Why the setup looks like this:
 * - The store is a real-looking origin (shop.example, mapped to 127.0.0.1 by Chromium's resolver
 *   rules, and treated as a secure context like the https site it stands for) because several SDKs
 *   refuse to track on localhost, and some APIs (Web Locks, crypto.randomUUID) need a secure context.
 *   Every other host name resolves to nothing, so no SDK can reach outside the machine; any attempt
 *   is recorded and reported.
 * - The browser presents itself as ordinary Chrome (no "HeadlessChrome" user agent,
 *   navigator.webdriver false) because Plausible and PostHog drop automated traffic by default, and
 *   every SDK must see the same visitor.
 * - Each measurement gets a fresh browser context (cold cache, empty storage) and its own collector;
 *   the site knows which SDK and collector a page is for from a cookie set on that context.
 * - Main-thread cost is CPU time of the page's main thread (CDP Performance metrics in thread
 *   ticks), so it is less disturbed by other processes than wall time; the no-SDK page's cost is
 *   subtracted. Timing runs are sequential and interleaved across SDKs; the rest (wire bytes,
 *   captures, fault scenarios) run a few at a time afterwards, as they measure bytes and counts.
 */
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { chromium } from 'playwright-core';
import { Collector } from './collector.mjs';
import { PEERS, NONE, peerById, segmentSettings, BENCH_DIR } from './peers.mjs';

export { PEERS };
export const SITE_HOST = 'shop.example';
const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Events per fault scenario, and the scenarios. */
export const FAULT_EVENTS = 20;
export const SCENARIOS = [
  { id: 'navigate', label: 'navigate away' },
  { id: 'close', label: 'close the tab' },
  { id: 'downNextPage', label: 'collector down, back on the next page' },
  { id: 'http503', label: 'collector answers 503 at first (3 s)' },
  { id: 'twoTabs', label: 'two tabs at once (one reloads)' },
  { id: 'offline', label: 'offline blip (2 s)' },
];

const PAGES = {
  '/': { file: 'home.html', title: 'Home' },
  '/products/stoneware-mug': { file: 'product.html', title: 'Stoneware Mug' },
  '/checkout': { file: 'checkout.html', title: 'Checkout' },
  '/next': { file: 'next.html', title: 'About us' },
  '/blank': { file: null, title: 'Blank' },
};

/** Runs in every page before anything else: the same visitor for every SDK, and a long-task log. */
const INIT_SCRIPT = `(() => {
  try { Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false, configurable: true }); } catch (e) {}
  window.__longtasks = [];
  try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true }); } catch (e) {}
})();`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

/** raw, gzip -9 and brotli -11 sizes of one file. */
function sizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
function sumSizes(files) {
  const t = { raw: 0, gzip: 0, brotli: 0, files: files.length };
  for (const f of files) {
    const s = sizes(f.bytes);
    t.raw += s.raw;
    t.gzip += s.gzip;
    t.brotli += s.brotli;
  }
  t.paths = files.map((f) => f.path);
  return t;
}
/** Distinct scripts (by path) among those served. */
const distinctAssets = (assets) => [...new Map(assets.map((a) => [a.path, a])).values()];
/** A shallow copy of `record` without the keys named (what `({ key, ...rest }) => rest` gives). */
const without = (record, ...keys) => Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));

/** Small promise pool: at most `n` tasks at once. */
async function pool(tasks, n) {
  const out = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

/**
 * The demo store. Serves pages (with the run's SDK snippet), the SDK files prepared for each peer,
 * Segment's settings (the site plays Segment's CDN) and Shopify's /cart/add.js; which SDK and which
 * collector a request is for comes from the `bench` cookie of its browser context.
 */
class Site {
  constructor(runs, assetsByPeer) {
    this.runs = runs;
    this.assetsByPeer = assetsByPeer;
    this.port = 0;
    this.bodies = {};
    for (const [p, v] of Object.entries(PAGES))
      this.bodies[p] = v.file ? readFileSync(join(BENCH_DIR, 'pages', v.file), 'utf8') : '<p>blank</p>';
  }

  get origin() {
    return `http://${SITE_HOST}:${this.port}`;
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = this.server.address().port;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  runFor(req) {
    const m = /(?:^|;\s*)bench=([\w-]+)\.(\d+)/.exec(req.headers.cookie || '');
    return m ? this.runs.get(Number(m[2])) : undefined;
  }

  handle(req, res) {
    const url = new URL(req.url || '/', 'http://x');
    const path = url.pathname;
    const run = this.runFor(req);
    if (path === '/favicon.ico') return void res.writeHead(404).end();
    if (path === '/cart/add.js' || path === '/cart/add') {
      // Shopify's answer: the line item added.
      req.resume();
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          id: 42001,
          product_id: 8001,
          variant_id: 42001,
          quantity: 1,
          title: 'Stoneware Mug',
          price: 2450,
          key: '42001:abc',
        }),
      );
    }
    if (!run) return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('no bench cookie');
    const assets = this.assetsByPeer[run.peer.id] || {};
    if (assets[path]) {
      run.collector.recordAsset(path, assets[path]);
      return void res
        .writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'max-age=3600' })
        .end(assets[path]);
    }
    const seg = /^\/v1\/projects\/([^/]+)\/settings$/.exec(path);
    if (seg)
      return void res
        .writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
        .end(JSON.stringify(segmentSettings(seg[1], run.collector.url)));
    const page = PAGES[path];
    if (!page) return void res.writeHead(404).end();
    const head = path === '/blank' ? '' : run.peer.head({ collector: run.collector.url, site: this.origin });
    const ready = run.peer.id === 'none' || path === '/blank' ? '__bench.ready=true;' : '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${page.title} · Demo Store</title>
<script>window.__benchConfig={collector:${JSON.stringify(run.collector.url)}};window.__bench={ready:false,track:function(){}};${ready}</script>
${head}
<style>body{font-family:sans-serif;max-width:40rem;margin:auto;line-height:1.5}.filler p{margin:3rem 0}</style>
</head><body>${this.bodies[path]}</body></html>`);
  }
}

/** Another site, to navigate away to. */
async function otherSite() {
  const s = http.createServer((_, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title><p>elsewhere</p>'),
  );
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${s.address().port}/`,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(r);
      }),
  };
}

/**
 * Run the benchmark.
 * @param {object} [opts]
 * @param {string[]} [opts.peers]      ids from PEERS (default: all)
 * @param {boolean} [opts.quick]       one repetition of everything (the smoke test)
 * @param {number} [opts.reps]         timing repetitions (default 3; quick 1)
 * @param {number} [opts.faultRuns]    runs per fault scenario (default 3; quick 1)
 * @param {number} [opts.concurrency]  runs at once for the non-timing measurements (default 5)
 * @param {(s: string) => void} [opts.log]
 * @param {boolean} [opts.debug]       print what each run received and any page errors
 */
export async function runBench(opts = {}) {
  const started = Date.now();
  const quick = !!opts.quick;
  const ids = opts.peers || PEERS.map((p) => p.id);
  const peers = ids.map((id) => {
    const p = peerById(id);
    if (!p || id === 'none') throw new Error(`unknown peer "${id}" (known: ${PEERS.map((x) => x.id).join(', ')})`);
    return p;
  });
  const reps = opts.reps ?? (quick ? 1 : 3);
  const faultRuns = opts.faultRuns ?? (quick ? 1 : 3);
  const concurrency = opts.concurrency ?? 5;
  const log = opts.log || (() => {});
  const debug = !!opts.debug;
  const scenarios = SCENARIOS.filter((s) => !opts.scenarios || opts.scenarios.includes(s.id));

  // Files each SDK needs, read once (building the npm-only ones with esbuild).
  /** @type {Record<string, Record<string, Buffer>>} */
  const assetsByPeer = {};
  for (const p of [NONE, ...peers]) {
    const files = await p.prepare();
    assetsByPeer[p.id] = Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : readFileSync(v)]),
    );
  }
  let posthogDist;
  if (ids.includes('posthog')) posthogDist = join(BENCH_DIR, 'node_modules', 'posthog-js', 'dist');

  const runs = new Map();
  const site = new Site(runs, assetsByPeer);
  await site.start();
  const elsewhere = await otherSite();
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      ...CHROME_ARGS,
      `--host-resolver-rules=MAP ${SITE_HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`,
      `--unsafely-treat-insecure-origin-as-secure=${site.origin}`,
    ],
  });
  const userAgent = await (async () => {
    const p = await browser.newPage();
    const ua = await p.evaluate(() => navigator.userAgent);
    await p.close();
    return ua.replace('HeadlessChrome', 'Chrome');
  })();
  const ourHosts = new Set([SITE_HOST, '127.0.0.1']);

  /** A fresh browser context and collector for one measurement of one SDK. */
  async function newRun(peer, label = 'run') {
    const collector = new Collector({ posthogDist });
    await collector.up();
    const run = { peer, collector, external: new Set(), pageErrors: [] };
    runs.set(collector.port, run);
    const context = await browser.newContext({ userAgent, viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name: 'bench', value: `${peer.id}.${collector.port}`, url: site.origin }]);
    await context.addInitScript(INIT_SCRIPT);
    context.on('request', (r) => {
      const u = new URL(r.url());
      if (/^https?:$/.test(u.protocol) && !ourHosts.has(u.hostname)) run.external.add(u.host);
    });
    context.on('page', (pg) => {
      pg.on('pageerror', (e) => run.pageErrors.push(String(e.message).slice(0, 200)));
      if (debug)
        pg.on('console', (m) => m.type() === 'error' && run.pageErrors.push('console: ' + m.text().slice(0, 200)));
    });
    run.context = context;
    run.close = async () => {
      await context.close().catch(() => undefined);
      await collector.close();
      runs.delete(collector.port);
      if (opts.dumpDir) {
        const { writeFileSync, mkdirSync } = await import('node:fs');
        mkdirSync(opts.dumpDir, { recursive: true });
        writeFileSync(
          join(opts.dumpDir, `${peer.id}-${label}-${collector.port}.json`),
          JSON.stringify(
            {
              requests: collector.requests,
              events: collector.events,
              errors: collector.errors,
              pageErrors: run.pageErrors,
            },
            null,
            1,
          ),
        );
      }
      if (debug) {
        const names = {};
        for (const e of collector.events) names[e.name] = (names[e.name] || 0) + 1;
        log(
          `  [debug ${peer.id}] ${collector.requests.length} requests (${collector.requests
            .map((r) => `${r.method} ${r.path} ${r.status}`)
            .slice(0, 8)
            .join(
              '; ',
            )}…) events ${JSON.stringify(names).slice(0, 300)} errors ${JSON.stringify(collector.errors.slice(0, 3))} page ${JSON.stringify(run.pageErrors.slice(0, 3))} external ${[...run.external].join(',')}`,
        );
      }
    };
    return run;
  }

  const open = async (run, path = '/', page) => {
    const p = page || (await run.context.newPage());
    await p.goto(site.origin + path);
    await waitReady(p);
    return p;
  };
  const waitReady = (p) =>
    p.waitForFunction(() => window.__bench && window.__bench.ready === true, undefined, {
      polling: 50,
      timeout: 20_000,
    });

  /** Wait until `n` distinct events matching `filter` were accepted, then `grace` ms; or until `timeout`. */
  async function waitDelivered(c, filter, n, timeout, grace = 1000) {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      if (c.delivery(filter).delivered >= n) {
        await sleep(grace);
        return;
      }
      await sleep(100);
    }
  }
  /** Wait until all `n` arrived (+300 ms) or no ingestion request came for `idle` ms; at most `cap` ms. */
  async function waitSettled(c, filter, n, idle, cap) {
    const t0 = Date.now();
    while (Date.now() - t0 < cap) {
      if (c.delivery(filter).delivered >= n) {
        await sleep(300);
        break;
      }
      const last = Math.max(
        t0,
        ...c.requests.filter((r) => r.kind === 'ingest' || r.kind === 'preflight').map((r) => r.at),
      );
      if (Date.now() - last > idle) break;
      await sleep(50);
    }
    return Date.now() - t0;
  }
  const metrics = async (cdp) =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const heap = async (cdp) => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };

  /** Load and initialise on a cold cache, then 1,000 track calls on the same page. */
  async function timingRep(peer) {
    const run = await newRun(peer, 'timing');
    try {
      const page = await run.context.newPage();
      const cdp = await run.context.newCDPSession(page);
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
      // Start from a page of the same site, so the store page loads in the same renderer and the
      // counters carry on.
      await page.goto(site.origin + '/blank');
      const m0 = await metrics(cdp);
      const t0 = Date.now();
      await page.goto(site.origin + '/');
      await waitReady(page);
      const readyMs = Date.now() - t0;
      await sleep(1000); // deferred initialisation (remote config, lazy chunks) counts as loading
      const m1 = await metrics(cdp);
      const loadEnd = await page.evaluate(
        () => performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventEnd,
      );
      const first = distinctAssets(run.collector.assets.filter((asset) => asset.at <= loadEnd));
      const rep = {
        loadCpuMs: (m1.TaskDuration - m0.TaskDuration) * 1000,
        loadScriptMs: (m1.ScriptDuration - m0.ScriptDuration) * 1000,
        readyMs,
        firstAssets: first,
        assets: distinctAssets(run.collector.assets),
      };
      if (peer.id === 'none') return rep;

      // 1,000 track calls, all in one task (a burst, as a busy page or a loop would make them).
      const filter = (event) => event.name === 'Bench Event';
      const h0 = await heap(cdp);
      const m2 = await metrics(cdp);
      const sync = await page.evaluate(() => {
        const start = performance.now();
        for (let i = 0; i < 1000; i++)
          window.__bench.track('Bench Event', { i, plan: 'pro', value: 42, currency: 'EUR' });
        return { ms: performance.now() - start, start };
      });
      const windowMs = await waitSettled(run.collector, filter, 1000, 6000, 12_000);
      const m3 = await metrics(cdp);
      const longTasks = await page.evaluate(
        (start) => window.__longtasks.filter(([taskStart, duration]) => taskStart + duration > start),
        sync.start,
      );
      const h1 = await heap(cdp);
      Object.assign(rep, {
        trackSyncMs: sync.ms,
        trackCpuMs: (m3.TaskDuration - m2.TaskDuration) * 1000,
        trackScriptMs: (m3.ScriptDuration - m2.ScriptDuration) * 1000,
        longTasks: longTasks.length,
        longTaskMs: longTasks.reduce((total, [, duration]) => total + duration, 0),
        heapGrowthBytes: h1 - h0,
        trackDelivered: run.collector.delivery(filter).delivered,
        trackWindowMs: windowMs,
      });
      return rep;
    } finally {
      if (run.external.size) timingExternal[peer.id] = new Set([...(timingExternal[peer.id] || []), ...run.external]);
      await run.close();
    }
  }
  const timingExternal = {};

  /** 100 typical events, one every 20 ms, after the page has settled: bytes and requests to the collector. */
  async function wireRun(peer) {
    const run = await newRun(peer, 'wire');
    try {
      const page = await open(run, '/');
      await sleep(1500);
      run.collector.resetTraffic();
      const filter = (e) => e.name === 'Product Viewed';
      await page.evaluate(async () => {
        for (let i = 0; i < 100; i++) {
          window.__bench.track('Product Viewed', {
            product_id: 'sku-' + (1000 + i),
            name: 'Stoneware Mug',
            price: 24.5,
            currency: 'EUR',
            category: 'Kitchen',
          });
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      await waitSettled(run.collector, filter, 100, 12_000, 12_000); // flush timers (engagekit 5 s) must run
      await sleep(700);
      const reqs = run.collector.requests.filter(
        (r) => r.kind === 'ingest' || r.kind === 'preflight' || r.kind === 'other',
      );
      const dup = run.collector.delivery(filter);
      return {
        bytes: reqs.reduce((s, r) => s + r.wireBytes, 0),
        bodyBytes: reqs.reduce((s, r) => s + r.bodyBytes, 0),
        requests: reqs.length,
        preflights: reqs.filter((r) => r.kind === 'preflight').length,
        delivered: dup.delivered,
        external: [...run.external],
      };
    } finally {
      await run.close();
    }
  }

  /** The demo-store visit: home, product (add to cart), checkout (start the form, leave). */
  async function captureRun(peer) {
    const run = await newRun(peer, 'capture');
    try {
      const page = await open(run, '/');
      await page.mouse.move(200, 200);
      await page.mouse.wheel(0, 700);
      await sleep(1200);
      await page.mouse.move(320, 260);
      await Promise.all([page.waitForURL('**/products/**'), page.click('#product')]);
      await waitReady(page);
      await page.mouse.wheel(0, 200);
      await sleep(700);
      await page.click('#add-to-cart');
      await page.waitForSelector('#cart-status:has-text("Added")');
      await sleep(800);
      await Promise.all([page.waitForURL('**/checkout'), page.click('#checkout')]);
      await waitReady(page);
      await page.click('#email');
      await page.keyboard.type('visitor@example.com', { delay: 15 });
      await page.click('#name');
      await page.keyboard.type('Ada Lovelace', { delay: 15 });
      await sleep(1200);
      await page.goto(elsewhere.url);
      await waitSettled(run.collector, () => false, Infinity, 2500, 8000);
      const events = run.collector.accepted();
      const pages = events.filter((e) => e.kind === 'page').length;
      const counts = {};
      for (const e of events) counts[e.name] = (counts[e.name] || 0) + 1;
      return {
        pageViews: `${pages} of 3`,
        ...peer.capture(events),
        events: counts,
        external: [...run.external],
        scripts: distinctAssets(run.collector.assets),
      };
    } finally {
      await run.close();
    }
  }

  /** One run of one fault scenario: 20 uniquely named events; delivered and duplicated among them. */
  async function faultRun(peer, scenario, runIndex) {
    const run = await newRun(peer, `fault-${scenario.id}-${runIndex}`);
    const c = run.collector;
    const prefix = `F-${scenario.id}-${runIndex}-`;
    const filter = (e) => e.name.startsWith(prefix);
    const track = (p, from, n) =>
      p.evaluate(
        ([prefix, from, n]) => {
          for (let i = from; i < from + n; i++) window.__bench.track(prefix + i, { i });
        },
        [prefix, from, n],
      );
    const t0 = Date.now();
    try {
      const page = await open(run, '/');
      switch (scenario.id) {
        case 'navigate':
          await track(page, 0, FAULT_EVENTS);
          await page.goto(elsewhere.url);
          await waitDelivered(c, filter, FAULT_EVENTS, 5000);
          break;
        case 'close':
          await track(page, 0, FAULT_EVENTS);
          await page.close();
          await waitDelivered(c, filter, FAULT_EVENTS, 5000);
          break;
        case 'downNextPage':
          await sleep(500);
          c.outage = true;
          await track(page, 0, FAULT_EVENTS);
          await sleep(300);
          await Promise.all([page.waitForURL('**/next'), page.click('#next')]);
          await waitReady(page);
          c.outage = false;
          await waitDelivered(c, filter, FAULT_EVENTS, 15_000);
          break;
        case 'http503':
          await sleep(300);
          c.failUntil = Date.now() + 3000;
          await track(page, 0, FAULT_EVENTS);
          await waitDelivered(c, filter, FAULT_EVENTS, 3000 + 15_000);
          break;
        case 'twoTabs': {
          const other = await open(run, '/next');
          await Promise.all([track(page, 0, FAULT_EVENTS / 2), track(other, FAULT_EVENTS / 2, FAULT_EVENTS / 2)]);
          await other.reload();
          await waitDelivered(c, filter, FAULT_EVENTS, 10_000);
          break;
        }
        case 'offline':
          await sleep(300);
          await run.context.setOffline(true);
          await track(page, 0, FAULT_EVENTS);
          await sleep(2000);
          await run.context.setOffline(false);
          await waitDelivered(c, filter, FAULT_EVENTS, 15_000);
          break;
      }
      const inWindow = c.delivery(filter);
      // What is still missing may be waiting in the browser's storage: the visitor comes back to
      // the site once (a new tab, same profile), and what arrives then is counted apart.
      let later = 0;
      if (inWindow.delivered < FAULT_EVENTS) {
        await open(run, '/next').catch(() => undefined);
        await waitDelivered(c, filter, FAULT_EVENTS, 6000);
        later = c.delivery(filter).delivered - inWindow.delivered;
      }
      return {
        delivered: inWindow.delivered,
        later,
        duplicated: c.delivery(filter).duplicated,
        ms: Date.now() - t0,
        external: [...run.external],
      };
    } catch (e) {
      return {
        ...c.delivery(filter),
        ms: Date.now() - t0,
        error: String((e && e.message) || e).split('\n')[0],
        external: [...run.external],
      };
    } finally {
      await run.close();
    }
  }

  const results = {
    startedAt: new Date(started).toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model || 'unknown',
      cores: os.cpus().length,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      os: `${os.type()} ${os.release()}`,
      chromium: browser.version(),
      node: process.version,
    },
    settings: {
      quick,
      timingReps: reps,
      faultRuns,
      faultEvents: FAULT_EVENTS,
      concurrency,
      site: `http://${SITE_HOST} (127.0.0.1)`,
      userAgent,
    },
    peers: {},
  };

  try {
    // 1. Timing, sequential, interleaved: rep 1 of every SDK, then rep 2, …
    const timing = Object.fromEntries([NONE, ...peers].map((p) => [p.id, []]));
    for (let r = 0; r < reps; r++) {
      for (const p of [NONE, ...peers]) {
        log(`timing ${r + 1}/${reps}: ${p.id}`);
        timing[p.id].push(await timingRep(p));
      }
    }
    const baseLoad = median(timing.none.map((t) => t.loadCpuMs));
    const baseScript = median(timing.none.map((t) => t.loadScriptMs));

    // 2. Bytes on the wire, captures and faults, a few runs at once.
    const perPeer = peers.map(() => []);
    const wire = {},
      capture = {},
      faults = {};
    peers.forEach((p, i) => {
      const q = perPeer[i];
      wire[p.id] = [];
      for (let r = 0; r < faultRuns; r++)
        q.push(async () => {
          log(`wire ${r + 1}/${faultRuns}: ${p.id}`);
          wire[p.id].push(await wireRun(p));
        });
      q.push(async () => {
        log(`capture: ${p.id}`);
        capture[p.id] = await captureRun(p);
      });
      faults[p.id] = {};
      for (const s of scenarios) {
        faults[p.id][s.id] = [];
        for (let r = 0; r < faultRuns; r++)
          q.push(async () => {
            const res = await faultRun(p, s, r);
            log(
              `fault ${p.id} ${s.id} #${r + 1}: ${res.delivered}/${FAULT_EVENTS} delivered (+${res.later || 0} on return), ${res.duplicated} duplicated (${res.ms} ms)${res.error ? ' error: ' + res.error : ''}`,
            );
            faults[p.id][s.id].push(res);
          });
      }
    });
    // Round-robin across SDKs, so that one slow SDK's runs are spread over the whole pool.
    const tasks = [];
    for (let k = 0; perPeer.some((q) => k < q.length); k++) for (const q of perPeer) if (k < q.length) tasks.push(q[k]);
    await pool(tasks, concurrency);

    for (const peer of peers) {
      const peerTiming = timing[peer.id];
      const firstFiles = distinctAssets(peerTiming.flatMap((rep) => rep.firstAssets));
      const allFiles = distinctAssets([...peerTiming.flatMap((rep) => rep.assets), ...capture[peer.id].scripts]);
      const peerFaults = faults[peer.id];
      const external = new Set([
        ...(timingExternal[peer.id] || []),
        ...wire[peer.id].flatMap((wireResult) => wireResult.external),
        ...capture[peer.id].external,
        ...Object.values(peerFaults)
          .flat()
          .flatMap((faultResult) => faultResult.external),
      ]);
      results.peers[peer.id] = {
        label: peer.label,
        package: peer.pkg,
        version: peer.version(),
        pinned: peer.pinned,
        loading: peer.loading,
        configured: peer.configured,
        scriptBytes: { first: sumSizes(firstFiles), total: sumSizes(allFiles) },
        mainThread: {
          loadInitCpuMs: round(median(peerTiming.map((rep) => rep.loadCpuMs)) - baseLoad),
          loadInitScriptMs: round(median(peerTiming.map((rep) => rep.loadScriptMs)) - baseScript),
          readyMs: round(median(peerTiming.map((rep) => rep.readyMs))),
          track1000SyncMs: round(median(peerTiming.map((rep) => rep.trackSyncMs)), 2),
          track1000CpuMs: round(median(peerTiming.map((rep) => rep.trackCpuMs))),
          track1000ScriptMs: round(median(peerTiming.map((rep) => rep.trackScriptMs))),
          longTasks: median(peerTiming.map((rep) => rep.longTasks)),
          longTaskMs: round(median(peerTiming.map((rep) => rep.longTaskMs))),
          heapGrowthKB: round(median(peerTiming.map((rep) => rep.heapGrowthBytes)) / 1024),
          track1000Delivered: median(peerTiming.map((rep) => rep.trackDelivered)),
          track1000WindowMs: median(peerTiming.map((rep) => rep.trackWindowMs)),
          reps: peerTiming.map((rep) => ({
            loadCpuMs: round(rep.loadCpuMs),
            trackSyncMs: round(rep.trackSyncMs, 2),
            trackCpuMs: round(rep.trackCpuMs),
            longTasks: rep.longTasks,
            heapGrowthKB: round(rep.heapGrowthBytes / 1024),
            trackDelivered: rep.trackDelivered,
          })),
        },
        wire: {
          ...Object.fromEntries(
            ['bytes', 'bodyBytes', 'requests', 'preflights', 'delivered'].map((measure) => [
              measure,
              median(wire[peer.id].map((wireResult) => wireResult[measure])),
            ]),
          ),
          runs: wire[peer.id].map((wireResult) => without(wireResult, 'external')),
        },
        faults: Object.fromEntries(
          scenarios.map((scenario) => {
            const scenarioRuns = peerFaults[scenario.id];
            return [
              scenario.id,
              {
                delivered: scenarioRuns.reduce((total, faultResult) => total + faultResult.delivered, 0),
                later: scenarioRuns.reduce((total, faultResult) => total + (faultResult.later || 0), 0),
                of: FAULT_EVENTS * scenarioRuns.length,
                duplicated: scenarioRuns.reduce((total, faultResult) => total + faultResult.duplicated, 0),
                runs: scenarioRuns.map((faultResult) => without(faultResult, 'external')),
              },
            ];
          }),
        ),
        capture: without(capture[peer.id], 'external', 'scripts'),
        externalHosts: [...external],
      };
    }
    results.baseline = { loadCpuMs: round(baseLoad), loadScriptMs: round(baseScript) };
  } finally {
    await browser.close().catch(() => undefined);
    await site.close();
    await elsewhere.close();
  }
  results.durationMs = Date.now() - started;
  return results;
}

// ---------------------------------------------------------------------------------------------
// The markdown table: one column per SDK, each cell the value and its ratio to engagekit's.

const kB = (b) => (b / 1000).toFixed(1) + ' kB';
function ratio(v, base) {
  if (v == null || base == null) return '';
  if (base === 0) return v === 0 ? ' (=)' : '';
  const r = v / base;
  return ` (${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×)`;
}

/** Render results as one markdown table plus the machine line. */
export function formatMarkdown(results) {
  const ids = Object.keys(results.peers);
  const P = results.peers;
  const base = P.engagekit;
  const row = (label, get, fmt = (x) => String(x), withRatio = true) =>
    `| ${label} | ${ids
      .map((id) => {
        const v = get(P[id]);
        if (v == null) return '—';
        return fmt(v) + (withRatio && base && typeof v === 'number' ? ratio(v, get(base)) : '');
      })
      .join(' | ')} |`;
  const ms = (x) => `${Math.round(x)} ms`;
  const faultCell = (s) => (p) => p.faults[s.id];
  const lines = [];
  lines.push(`| | ${ids.map((id) => `${P[id].label} ${P[id].version}`).join(' | ')} |`);
  lines.push(`| --- | ${ids.map(() => '---').join(' | ')} |`);
  lines.push(`| **Script bytes** | ${ids.map(() => '').join(' | ')} |`);
  for (const k of ['raw', 'gzip', 'brotli']) lines.push(row(`first load, ${k}`, (p) => p.scriptBytes.first[k], kB));
  for (const k of ['raw', 'gzip', 'brotli'])
    lines.push(row(`total in the visit, ${k}`, (p) => p.scriptBytes.total[k], kB));
  lines.push(
    row(
      'script files (first / total)',
      (p) => `${p.scriptBytes.first.files} / ${p.scriptBytes.total.files}`,
      String,
      false,
    ),
  );
  lines.push(`| **Main thread** (median of ${results.settings.timingReps}) | ${ids.map(() => '').join(' | ')} |`);
  lines.push(row('load + init, main-thread CPU over a no-SDK page', (p) => p.mainThread.loadInitCpuMs, ms));
  lines.push(
    row(
      '1,000 track calls, synchronous',
      (p) => p.mainThread.track1000SyncMs,
      (x) => `${x.toFixed(1)} ms`,
    ),
  );
  lines.push(row('1,000 track calls, main-thread CPU until sent', (p) => p.mainThread.track1000CpuMs, ms));
  lines.push(row('long tasks during them (count)', (p) => p.mainThread.longTasks, String));
  lines.push(row('long tasks during them (total)', (p) => p.mainThread.longTaskMs, ms));
  lines.push(
    row(
      'JS heap growth after them (after GC)',
      (p) => p.mainThread.heapGrowthKB,
      (x) => `${x.toFixed(0)} kB`,
    ),
  );
  lines.push(row('of the 1,000, delivered', (p) => p.mainThread.track1000Delivered, String, false));
  lines.push(
    `| **Wire, 100 typical events** (median of ${results.settings.faultRuns}) | ${ids.map(() => '').join(' | ')} |`,
  );
  lines.push(row('bytes sent (headers + bodies, preflights included)', (p) => p.wire.bytes, kB));
  lines.push(row('requests', (p) => p.wire.requests, String));
  lines.push(row('of them, CORS preflights', (p) => p.wire.preflights, String, false));
  lines.push(row('of the 100, delivered', (p) => p.wire.delivered, String, false));
  lines.push(
    `| **Delivery under faults** (delivered / sent, duplicates; ${results.settings.faultRuns} × ${results.settings.faultEvents} events) | ${ids.map(() => '').join(' | ')} |`,
  );
  for (const s of SCENARIOS)
    lines.push(
      row(
        s.label,
        faultCell(s),
        (f) =>
          `${f.delivered}/${f.of}${f.later ? ` (+${f.later} on return)` : ''}${f.duplicated ? `, ${f.duplicated} dup` : ''}`,
        false,
      ),
    );
  lines.push(
    row(
      'all scenarios',
      (p) => {
        const fs = Object.values(p.faults);
        const d = fs.reduce((a, f) => a + f.delivered, 0),
          o = fs.reduce((a, f) => a + f.of, 0),
          u = fs.reduce((a, f) => a + f.duplicated, 0);
        return `**${Math.round((100 * d) / o)}%**${u ? `, ${u} dup` : ''}`;
      },
      String,
      false,
    ),
  );
  lines.push(`| **Zero-configuration capture** (demo-store visit) | ${ids.map(() => '').join(' | ')} |`);
  for (const [k, label] of [
    ['pageViews', 'page views'],
    ['sessions', 'sessions'],
    ['engagedTime', 'engaged time'],
    ['cartStart', 'cart start'],
    ['formAbandonment', 'form abandonment'],
  ])
    lines.push(row(label, (p) => p.capture[k], String, false));
  lines.push(
    row(
      'requests to hosts outside the machine',
      (p) => (p.externalHosts.length ? p.externalHosts.join(', ') : 'none'),
      String,
      false,
    ),
  );
  const m = results.machine;
  return [
    lines.join('\n'),
    '',
    `Ratios in parentheses are relative to engagekit (lower is better for every measured number). Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Chromium ${m.chromium} (headless); Node ${m.node}. ${results.settings.quick ? 'Quick run (one repetition). ' : ''}Run took ${Math.round(results.durationMs / 1000)} s.`,
  ].join('\n');
}
