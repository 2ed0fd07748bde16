/**
 * Consent and opt-out in real Chromium with nothing but the script tag.
 *
 * (a) The consent banner flow the README describes: every page loads the script with
 * data-consent="pending" and a banner that calls engagekit('consent', 'granted') — on the first
 * page when the visitor clicks, on the next pages at once, as a consent manager re-granting stored
 * consent does. The visit stays one session across the pages.
 *
 * (b) Opt-out is final: a batch is in flight (the collector holds its answer, then answers 503)
 * when the visitor opts out in one tab, while a second tab of the site has events queued. Nothing
 * captured before the opt-out arrives after it, from either tab, as either page is left, or from
 * the next page loads.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, named } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked, trackMany } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '500' });
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  await collector.up();
  await site.start();
});
afterAll(async () => {
  await collector.close();
  await site.close();
});
beforeEach(() => collector.reset());
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const call = (page: Page, ...args: unknown[]) =>
  page.evaluate(
    (callArgs) => (window as unknown as { engagekit: (...a: unknown[]) => unknown }).engagekit(...callArgs),
    args,
  );
const started = (page: Page) =>
  page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1, undefined, {
    timeout: 10_000,
  });

describe('consent in real Chromium', () => {
  it('(a) the banner flow over three pages: one session, page counts 1-3, one Session Started, one anonymous id', async () => {
    // The banner: a button on the first page; on the next ones the consent manager re-grants at load.
    site.bodies['/one'] =
      `<button id="accept" onclick="engagekit('consent', 'granted')">Accept</button><a id="next" href="/two">next</a>`;
    const regrant = `<script>addEventListener('load', function () { engagekit('consent', 'granted') })</script>`;
    site.bodies['/two'] = `${regrant}<a id="next" href="/three">next</a>`;
    site.bodies['/three'] = regrant;
    const attrs = { consent: 'pending' };
    browser = await launch();
    const page = await openTracked(browser.context, site.url('/one', attrs));
    await page.click('#accept');
    await collector.waitFor(1, (m) => m.type === 'page', 20_000);
    await page.goto(site.url('/two', attrs));
    await started(page);
    await collector.waitFor(2, (m) => m.type === 'page', 20_000);
    await page.goto(site.url('/three', attrs));
    await started(page);
    const views = await collector.waitFor(3, (m) => m.type === 'page', 20_000);
    expect(views.map((m) => (m.properties as { path: string }).path)).toEqual(['/one', '/two', '/three']);
    expect(new Set(views.map((m) => m.context.session.id)).size).toBe(1);
    expect(views.map((m) => m.context.session.pageCount)).toEqual([1, 2, 3]);
    expect(views.map((m) => m.context.session.index)).toEqual([1, 1, 1]);
    expect(new Set(collector.stored().map((m) => m.anonymousId)).size).toBe(1);
    expect(collector.stored(named('Session Started'))).toHaveLength(1);
  });

  it('(b) opt-out with a batch in flight and a second tab: nothing captured before it arrives after it', async () => {
    const attrs = { 'page-view': 'false', engagement: 'false', 'web-vitals': 'false', compress: 'false' };
    browser = await launch();
    const first = await openTracked(browser.context, site.url('/first', attrs));
    const second = await openTracked(browser.context, site.url('/second', attrs));
    // The collector takes the first tab's batch but holds its answer: the batch is in flight.
    const release = collector.hold();
    await trackMany(first, 'first', 5);
    const end = Date.now() + 20_000;
    while (collector.received.filter((m) => String(m.event).startsWith('first')).length < 5 && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(collector.received.filter((m) => String(m.event).startsWith('first'))).toHaveLength(5);
    // The second tab queues events meanwhile (its send waits for the first tab's, which holds the send lock).
    await trackMany(second, 'second', 5);
    const before = collector.received[0].anonymousId;
    const optOutAt = Date.now();
    await call(first, 'optOut');
    // The collector recovers, answering the held batch 503.
    collector.script = [{ status: 503 }];
    release();
    // Each tab's send in progress ends; then both pages are left for the next page of the site.
    await call(first, 'flush');
    await call(second, 'flush');
    await first.goto(site.url('/first-next', attrs));
    await second.goto(site.url('/second-next', attrs));
    await Promise.all([started(first), started(second)]);
    // The visitor opts in again: a fresh visit whose event, once arrived, shows the site is sending again.
    await call(first, 'optIn');
    await call(first, 'track', 'Fresh start');
    await call(first, 'flush');
    await collector.waitFor(1, named('Fresh start'), 20_000);
    await call(second, 'flush');
    const after = collector.requests
      .filter((r) => r.method === 'POST' && r.at >= optOutAt)
      .flatMap((r) => r.body?.batch || []);
    expect(after.map((m) => m.event).sort()).toEqual(['Fresh start', 'Session Started']);
    expect(after.every((m) => m.anonymousId !== before)).toBe(true);
    // Nothing of the second tab ever arrived, and of the first only the batch that was in flight, unacknowledged.
    expect(collector.received.filter((m) => String(m.event).startsWith('second'))).toEqual([]);
    expect(collector.received.filter((m) => String(m.event).startsWith('first'))).toHaveLength(5);
    expect(collector.acked.filter((m) => m.anonymousId === before)).toEqual([]);
  });
});
