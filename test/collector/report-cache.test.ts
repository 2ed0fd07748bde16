/**
 * The report's short cache (report/cache.mjs): requests for the same answer share one computation;
 * an answer is given again while nothing was stored (up to its maximum age), and for five times its
 * computing time once something was; a failed computation is not kept. Then through the collector:
 * a second request is answered from the cache (`Age`, one computation for two requests at once),
 * and an event stored since shows at once when the report is cheap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCache } from '../../examples/collector/report/cache.mjs';
import { startCollector } from '../../examples/collector/server.mjs';
import { ekBatch, ekMessage } from './support/messages';

/** A clock the test moves, and a computation that takes `costMs` of it and counts its runs. */
function setup(opts: { maxAgeMs?: number; maxEntries?: number } = {}) {
  let clock = 1_000_000;
  let version = 0;
  let runs = 0;
  const cache = reportCache({ ...opts, now: () => clock, version: () => version });
  const compute = (costMs: number, value: string) => async () => {
    runs++;
    clock += costMs;
    return value;
  };
  return {
    cache,
    compute,
    runs: () => runs,
    advance: (ms: number) => (clock += ms),
    store: () => version++,
  };
}

describe('reportCache', () => {
  it('shares one computation between the requests made while it runs', async () => {
    const t = setup();
    const a = t.cache.get('k', t.compute(100, 'first'));
    const b = t.cache.get('k', t.compute(100, 'second'));
    expect([await a.answer, await b.answer]).toEqual(['first', 'first']);
    expect(t.runs()).toBe(1);
  });

  it('gives an answer again while nothing was stored, up to its maximum age', async () => {
    const t = setup({ maxAgeMs: 60_000 });
    await t.cache.get('k', t.compute(10, 'a')).answer;
    t.advance(59_000);
    const again = t.cache.get('k', t.compute(10, 'b'));
    expect(await again.answer).toBe('a');
    expect(again.ageMs()).toBe(59_000);
    t.advance(1_000);
    expect(await t.cache.get('k', t.compute(10, 'c')).answer).toBe('c');
    expect(t.runs()).toBe(2);
  });

  it('once events were stored, gives it again for five times its computing time', async () => {
    const t = setup({ maxAgeMs: 60_000 });
    // A cheap answer (10 ms): computed again 50 ms after, once an event was stored.
    await t.cache.get('cheap', t.compute(10, 'cheap 1')).answer;
    t.store();
    t.advance(49);
    expect(await t.cache.get('cheap', t.compute(10, 'cheap 2')).answer).toBe('cheap 1');
    t.advance(1);
    expect(await t.cache.get('cheap', t.compute(10, 'cheap 3')).answer).toBe('cheap 3');
    // A costly one (3 s): 15 s.
    await t.cache.get('costly', t.compute(3_000, 'costly 1')).answer;
    t.store();
    t.advance(14_999);
    expect(await t.cache.get('costly', t.compute(3_000, 'costly 2')).answer).toBe('costly 1');
    t.advance(1);
    expect(await t.cache.get('costly', t.compute(3_000, 'costly 3')).answer).toBe('costly 3');
    // But never over the maximum age (a 20 s report: 60 s, not 100 s).
    await t.cache.get('slow', t.compute(20_000, 'slow 1')).answer;
    t.store();
    t.advance(60_000);
    expect(await t.cache.get('slow', t.compute(20_000, 'slow 2')).answer).toBe('slow 2');
  });

  it('does not keep a failed computation', async () => {
    const t = setup();
    const failing = t.cache.get('k', async () => {
      throw new Error('report query over 30000 ms');
    });
    await expect(failing.answer).rejects.toThrow(/over 30000 ms/);
    expect(await t.cache.get('k', t.compute(10, 'ok')).answer).toBe('ok');
  });

  it('keeps at most maxEntries answers, the oldest going first; maxAgeMs 0 keeps none', async () => {
    const t = setup({ maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) await t.cache.get(k, t.compute(1, k)).answer;
    expect(await t.cache.get('c', t.compute(1, 'c again')).answer).toBe('c');
    expect(await t.cache.get('b', t.compute(1, 'b again')).answer).toBe('b');
    expect(await t.cache.get('a', t.compute(1, 'a again')).answer).toBe('a again');

    const none = setup({ maxAgeMs: 0 });
    await none.cache.get('k', none.compute(1, 'one')).answer;
    expect(await none.cache.get('k', none.compute(1, 'two')).answer).toBe('two');
  });
});

describe('the report cache in the collector', () => {
  let dir: string;
  let c: Awaited<ReturnType<typeof startCollector>>;
  /** Report queries run, counted around the store's own. */
  let queries = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-cache-'));
    c = await startCollector({ dataDir: dir, log: () => undefined });
    const report = c.store.report;
    const all = report.all.bind(report);
    report.all = (text, params) => {
      queries++;
      return all(text, params);
    };
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = (m: Record<string, unknown>) =>
    fetch(`${c.url}/v1/batch`, { method: 'POST', body: JSON.stringify(ekBatch([m])) });
  const metrics = async () => {
    // The default range: the last 30 UTC days, today included.
    const r = await fetch(`${c.url}/api/metrics`);
    return { status: r.status, age: r.headers.get('age'), body: await r.json() };
  };

  it('answers two requests at once with one computation, then again from the cache', async () => {
    expect((await post(ekMessage({ type: 'page', event: undefined }))).status).toBe(200);
    const before = queries;
    const [a, b] = await Promise.all([metrics(), metrics()]);
    const perReport = queries - before;
    expect(perReport).toBeGreaterThan(0);
    expect(a.body).toEqual(b.body);
    expect(a.body.summary.pageviews).toBe(1);
    // Nothing stored since: the same answer, no query run.
    const c2 = await metrics();
    expect(queries - before).toBe(perReport);
    expect(c2.age).toMatch(/^\d+$/);
    expect(c2.body).toEqual(a.body);
  });

  it('shows an event stored since at once when the report is cheap', async () => {
    expect((await post(ekMessage({ type: 'page', event: undefined }))).status).toBe(200);
    // A report over two events takes milliseconds (the first one more: it starts the report's
    // worker): given again for five times that at most, well under 60 s. Bounded.
    let m = await metrics();
    for (let i = 0; i < 200 && m.body.summary.pageviews != 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      m = await metrics();
    }
    expect(m.body.summary.pageviews).toBe(2);
  });

  it('refuses a REPORT_CACHE_SECONDS that is not a number of seconds', async () => {
    for (const reportCacheSeconds of [-1, Number.NaN, Infinity])
      await expect(startCollector({ dataDir: dir, reportCacheSeconds, log: () => undefined })).rejects.toThrow(
        /REPORT_CACHE_SECONDS/,
      );
  });
});
