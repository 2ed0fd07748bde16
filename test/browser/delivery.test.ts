/**
 * The delivery scenarios: each tracks 20 events (scenario 8: 200) in real Chromium against a
 * cross-origin recording collector and ends with every event stored once, counting by messageId.
 * `duplicates()` counts messages acknowledged more than once on the wire; it must be 0 wherever no
 * page of the site was torn down with a request in flight (see "At least once" in the README).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, tracks } from './support/collector';
import { Site, otherSite } from './support/site';
import { launch, openTracked, trackMany } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '500' });
let elsewhere: Awaited<ReturnType<typeof otherSite>>;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  await collector.up();
  await site.start();
  elsewhere = await otherSite();
});
afterAll(async () => {
  await collector.close();
  await site.close();
  await elsewhere.close();
});
beforeEach(() => collector.reset());
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  // A test that took the collector down leaves it down: bring it back for the next.
  await collector.up().catch(() => undefined);
});

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => prefix + i).sort();
const eventNames = (prefix: string) =>
  collector
    .stored(tracks(prefix))
    .map((m) => String(m.event))
    .sort();

describe('delivery in real Chromium', () => {
  it('1. navigating to another site right after tracking loses nothing', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/'));
    await trackMany(page, 'nav', 20);
    await page.goto(elsewhere.url);
    await collector.waitFor(20, tracks('nav'));
    expect(eventNames('nav')).toEqual(names('nav', 20));
    expect(collector.duplicates()).toBe(0);
  });

  it('2. closing the tab right after tracking loses nothing', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/'));
    await trackMany(page, 'close', 20);
    await page.close();
    await collector.waitFor(20, tracks('close'));
    expect(eventNames('close')).toEqual(names('close', 20));
    expect(collector.duplicates()).toBe(0);
  });

  it('3. collector down, next page of the site, collector back: all delivered once', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/'));
    await collector.waitFor(1, (m) => m.type === 'page');
    await collector.down();
    await trackMany(page, 'down', 20);
    await page.click('#next');
    await page.waitForURL(/\/next/);
    await page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1);
    await collector.up();
    await collector.waitFor(20, tracks('down'), 45_000);
    expect(eventNames('down')).toEqual(names('down', 20));
    expect(collector.duplicates()).toBe(0);
  });

  it('4. 503 three times, then 429 with Retry-After: delivered after backing off', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/', { 'page-view': 'false', compress: 'false' }));
    collector.script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 429, retryAfter: '2' }];
    await trackMany(page, 'retry', 20);
    await collector.waitFor(20, tracks('retry'), 45_000);
    expect(eventNames('retry')).toEqual(names('retry', 20));
    expect(collector.duplicates()).toBe(0);
    const posts = collector.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status).slice(0, 5)).toEqual([503, 503, 503, 429, 200]);
    // Backoff grows between the 503s, and the 429's Retry-After: 2 was honoured.
    const gaps = posts.slice(1, 5).map((r, i) => r.at - posts[i].at);
    expect(gaps[1]).toBeGreaterThan(gaps[0] * 0.9);
    expect(gaps[3]).toBeGreaterThanOrEqual(1900);
    // Every attempt carried the same messageIds.
    const ids = (i: number) => posts[i].body!.batch.map((m) => m.messageId).sort();
    expect(ids(4)).toEqual(ids(0));
  });

  it('5. two tabs tracking at once, one reloading mid-flight: each event stored once', async () => {
    browser = await launch();
    const attrs = { 'batch-size': '3', 'page-view': 'false' };
    const a = await openTracked(browser.context, site.url('/a', attrs));
    const b = await openTracked(browser.context, site.url('/b', attrs));
    await Promise.all([trackMany(a, 'tabA', 10), trackMany(b, 'tabB', 10)]);
    await b.reload();
    await collector.waitFor(20, tracks('tab'), 45_000);
    expect(eventNames('tabA')).toEqual(names('tabA', 10));
    expect(eventNames('tabB')).toEqual(names('tabB', 10));
    // At least once: a request cut off by the reload may be sent again by the reloaded page, with
    // the same messageIds; the collector stores each once. Report how often that happened.
    console.log(
      `scenario 5: ${collector.duplicates(tracks('tab'))} raw duplicate(s) on the wire, ${collector.requests.length} requests`,
    );
  });

  it('6. offline for a few seconds, then online: all delivered', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/', { 'page-view': 'false' }));
    await browser.context.setOffline(true);
    await trackMany(page, 'offline', 20);
    await page.waitForTimeout(2000); // the offline spell itself, not a wait for a result
    expect(collector.stored(tracks('offline'))).toHaveLength(0);
    await browser.context.setOffline(false);
    await collector.waitFor(20, tracks('offline'));
    expect(eventNames('offline')).toEqual(names('offline', 20));
    expect(collector.duplicates()).toBe(0);
  });

  it.each([
    ['missing', `Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true })`],
    [
      'failing to open',
      `IDBFactory.prototype.open = function () { throw new DOMException('disabled by test', 'UnknownError') }`,
    ],
    [
      'hanging on open',
      `IDBFactory.prototype.open = function () { return { set onsuccess(f) {}, set onerror(f) {}, set onupgradeneeded(f) {} } }`,
    ],
  ])('7. IndexedDB %s: falls back to memory and still delivers', async (_, script) => {
    browser = await launch();
    const warnings: string[] = [];
    await browser.context.addInitScript(script);
    const page = await browser.context.newPage();
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await openTracked(browser.context, site.url('/', { 'page-view': 'false' }), page);
    await trackMany(page, 'mem', 20);
    await collector.waitFor(20, tracks('mem'), 20_000);
    expect(eventNames('mem')).toEqual(names('mem', 20));
    expect(collector.duplicates()).toBe(0);
    expect(warnings.filter((w) => /IndexedDB/.test(w))).toHaveLength(1);
  });

  it('8. 200 large events tracked just before leaving (over the keepalive quota): all arrive by the next visit', async () => {
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/', { 'page-view': 'false' }));
    await trackMany(page, 'big', 200, 1000);
    await page.goto(elsewhere.url);
    // The browser took what fit in the keepalive quota; the rest waits in IndexedDB.
    const before = collector.stored(tracks('big')).length;
    await openTracked(browser.context, site.url('/again', { 'page-view': 'false' }), page);
    await collector.waitFor(200, tracks('big'), 60_000);
    expect(eventNames('big')).toEqual(names('big', 200));
    const bodies = collector.requests
      .filter((r) => r.method === 'POST')
      .map((r) => Number(r.headers['content-length']));
    expect(Math.max(...bodies)).toBeLessThan(500_000);
    // The browser rejects a keepalive request's promise once the page is gone, even when it delivers
    // it: those events are sent again by the next visit (same messageIds, stored once). Report it.
    console.log(
      `scenario 8: ${before} of 200 delivered while leaving, the rest on the next visit; ${collector.duplicates(tracks('big'))} raw duplicate(s)`,
    );
  });

  it('9. back/forward cache: left, restored, tracked more: everything once', async () => {
    browser = await launch({ bfcache: true });
    const page = await openTracked(browser.context, site.url('/bf', { 'page-view': 'false' }));
    await page.evaluate(() => {
      (window as unknown as { restored: boolean[] }).restored = [];
      addEventListener('pageshow', (e) => (window as unknown as { restored: boolean[] }).restored.push(e.persisted));
    });
    await trackMany(page, 'before', 10);
    await page.goto(elsewhere.url);
    // A page restored from the back/forward cache fires no load event.
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { restored?: boolean[] }).restored?.length !== 0);
    const restored = await page.evaluate(() => (window as unknown as { restored?: boolean[] }).restored);
    const reasons = await page.evaluate(() =>
      JSON.stringify(
        (performance.getEntriesByType('navigation')[0] as unknown as { notRestoredReasons?: unknown })
          ?.notRestoredReasons ?? null,
      ),
    );
    expect(restored, 'page not restored from the back/forward cache: ' + reasons).toEqual([true]);
    await trackMany(page, 'after', 10);
    await collector.waitFor(20, (m) => m.type === 'track' && /^(before|after)/.test(String(m.event)));
    expect(eventNames('before')).toEqual(names('before', 10));
    expect(eventNames('after')).toEqual(names('after', 10));
    expect(collector.duplicates()).toBe(0);
  });
});
