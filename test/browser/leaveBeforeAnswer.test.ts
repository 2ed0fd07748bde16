/**
 * Leave before any answer (issue 13): a first visit to the site tracks 20 events and is left (navigated
 * away, or its tab closed) before the collector has answered anything on the site. The collector is
 * up and answers normally, only after the page has gone. A next visit tracks one more event. Counted
 * at the collector by messageId over both visits: every event once, and no message twice on the wire
 * (before the fix, the next visit sent all 20 again: 40 arrived).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, tracks } from './support/collector';
import { Site, otherSite } from './support/site';
import { launch, openTracked, trackMany } from './support/browser';
import { NETWORK_ERROR_SETTLE } from '../../src/transport/dispatcher';

const collector = new Collector();
// debug: the page logs each answer (a network error included), printed should the test fail.
const site = new Site(() => collector.url, { 'flush-interval': '500', debug: 'true' });
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
/**
 * Messages received again, whatever the answer (by name, for the failure message): what a destination
 * that does not deduplicate by messageId counts twice.
 */
const receivedAgain = () => {
  const seen = new Set<string>();
  return collector.received
    .filter((m) => seen.has(m.messageId) || !seen.add(m.messageId))
    .map((m) => m.event || m.type);
};

async function leaveBeforeAnyAnswer(leave: (page: Page) => Promise<unknown>) {
  const t0 = Date.now();
  browser = await launch();
  const logs: string[] = [];
  browser.context.on('console', (m) => logs.push(`${Date.now() - t0} ${m.page()?.url()} ${m.text()}`));
  // No answer until the first page has gone: its page view (and Session Started) and the 20 events
  // reach the collector, which answers them only then.
  const answer = collector.hold();
  const page = await openTracked(browser.context, site.url('/'));
  await trackMany(page, 'left', 20);
  // A collector slow to answer: it has held the page's first batch NETWORK_ERROR_SETTLE or more
  // when the visitor leaves. Without this wait it had held it about 80 ms, and a navigation's
  // rejection of so young a request, with pagehide 200 ms later on a loaded machine, counts as the
  // collector refusing it: the likeliest cause of this test's one CI failure (see dispatcher.ts).
  for (let tries = 0; !collector.arrivals[0] && tries < 200; tries++) await new Promise((r) => setTimeout(r, 50));
  const heldFor = Date.now() - collector.arrivals[0];
  if (heldFor < NETWORK_ERROR_SETTLE + 50) await new Promise((r) => setTimeout(r, NETWORK_ERROR_SETTLE + 50 - heldFor));
  await leave(page);
  answer();
  // The next visit to the site.
  const next = await openTracked(browser.context, site.url('/next'));
  await trackMany(next, 'next', 1);
  await collector.waitFor(1, tracks('next'));
  // Handed to the browser as the page was left: nothing late either.
  await collector.waitFor(20, tracks('left'), 5000);
  expect(eventNames('left')).toEqual(names('left', 20));
  expect(collector.stored((m) => m.type === 'page').map((m) => m.context.page.path)).toEqual(['/', '/next']);
  expect(collector.stored(tracks('Session Started'))).toHaveLength(1);
  // Should it fail: what the pages logged, what the collector answered when, and the site's storage.
  const again = receivedAgain();
  const why = again.length
    ? [
        'console:',
        ...logs,
        'requests (ms, method, status, messages):',
        ...collector.requests.map((r) =>
          [r.at - t0, r.method, r.status, (r.body?.batch || []).map((m) => m.event || m.type).join()].join(' '),
        ),
        'storage: ' + JSON.stringify(await next.evaluate(() => ({ ...localStorage }))).slice(0, 3000),
      ].join('\n')
    : '';
  expect(again, why).toEqual([]);
  expect(collector.duplicates()).toBe(0);
}

describe('leaving before the collector has answered anything', () => {
  it('navigating to another site: every event once over both visits, no duplicate on the wire', () =>
    leaveBeforeAnyAnswer((page) => page.goto(elsewhere.url)));

  it('closing the tab: every event once over both visits, no duplicate on the wire', () =>
    leaveBeforeAnyAnswer((page) => page.close()));

  it('the collector goes down before answering, is down on the next visit, then back: delivered within seconds', async () => {
    browser = await launch();
    collector.hold();
    const page = await openTracked(browser.context, site.url('/'));
    await trackMany(page, 'lost', 20);
    await page.goto(elsewhere.url);
    // It received what the page handed to the browser, and lost it unanswered.
    await collector.down();
    // The next visit: its first request fails, which releases what the first page handed off.
    const failed = page.waitForEvent('console', { predicate: (m) => /network error/.test(m.text()) });
    await openTracked(browser.context, site.url('/next', { debug: 'true' }), page);
    await failed;
    await collector.up();
    const back = Date.now();
    await collector.waitFor(20, tracks('lost'), 15_000);
    const seconds = (Date.now() - back) / 1000;
    console.log(`left before any answer, collector down, then back: delivered ${seconds} s after its return`);
    expect(seconds).toBeLessThan(10);
    expect(eventNames('lost')).toEqual(names('lost', 20));
    expect(collector.duplicates()).toBe(0);
  });
});
