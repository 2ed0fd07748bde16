/**
 * Strict Content-Security-Policies, in real Chromium. Trusted Types: Web Vitals load through our
 * `engagekit` policy when the CSP allows it, and when it does not the page gets one warning naming
 * the policy, no uncaught error. connect-src blocking the collector: one warning, a few console
 * errors at most rather than one per retry for ever, and every event is delivered by the next page
 * of the site, whose CSP lets it through.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, tracks, named } from './support/collector';
import { Site, otherSite } from './support/site';
import { launch, openTracked, trackMany } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300' });
let elsewhere: Awaited<ReturnType<typeof otherSite>>;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

// The largest text on the page (LCP) and a slow button (INP), as in autocapture.test.ts.
const VITALS = `<h1>Vitals</h1><p style="font-size:40px">The largest text on the page.</p>
<button id="slow" onclick="const end = performance.now() + 80; while (performance.now() < end);">slow</button>`;
const CSP = 'Content-Security-Policy';

beforeAll(async () => {
  await collector.up();
  Object.assign(site.bodies, { '/tt': VITALS, '/tt-other': VITALS });
  Object.assign(site.headers, {
    '/tt': { [CSP]: "require-trusted-types-for 'script'; trusted-types engagekit" },
    '/tt-other': { [CSP]: "require-trusted-types-for 'script'; trusted-types their-own-policy" },
    // The site is http://localhost:PORT, the collector http://127.0.0.1:CPORT: another origin.
    '/blocked': { [CSP]: "connect-src 'self'" },
  });
  await site.start();
  elsewhere = await otherSite();
});
afterAll(async () => {
  await collector.close();
  await site.close();
  await elsewhere.close();
});
beforeEach(async () => {
  collector.reset();
  site.scripts = [];
  browser = await launch();
});
afterEach(async () => {
  await browser?.close();
});

/** What the page says on its console, and what it throws. */
function listen(page: Page) {
  const seen = { errors: [] as string[], warnings: [] as string[], uncaught: [] as string[] };
  page.on('console', (message) => {
    // A favicon the test site does not have is no error of ours.
    if (message.type() == 'error' && !/favicon/.test(message.location().url)) seen.errors.push(message.text());
    if (message.type() == 'warning' && message.text().startsWith('engagekit:')) seen.warnings.push(message.text());
  });
  page.on('pageerror', (error) => seen.uncaught.push(String(error)));
  return seen;
}

describe('Trusted Types', () => {
  it("require-trusted-types-for 'script' with our policy allowed: Web Vitals load and are sent, no console error", async () => {
    const page = await browser!.context.newPage();
    const seen = listen(page);
    await openTracked(browser!.context, site.url('/tt'), page);
    await page.waitForFunction(() => 'engagekitWebVitals' in window, undefined, { timeout: 10_000 });
    await page.click('#slow');
    await page.goto(elsewhere.url);
    await collector.waitFor(1, named('Web Vitals'), 20_000);
    expect(site.scripts).toEqual(['/engagekit.min.js', '/engagekit-vitals.min.js']);
    expect(collector.stored(named('Web Vitals'))[0].properties).toMatchObject({ path: '/tt' });
    expect(seen).toEqual({ errors: [], warnings: [], uncaught: [] });
  });

  it('a trusted-types directive without our policy: one warning naming it, no uncaught error, the rest works', async () => {
    const page = await browser!.context.newPage();
    const seen = listen(page);
    await openTracked(browser!.context, site.url('/tt-other'), page);
    await collector.waitFor(1, (m) => m.type === 'page');
    await page.goto(elsewhere.url);
    await collector.waitFor(1, (m) => m.event === 'Page Engagement');
    expect(site.scripts).toEqual(['/engagekit.min.js']);
    expect(seen.warnings).toHaveLength(1);
    expect(seen.warnings[0]).toMatch(/trusted-types/);
    expect(seen.warnings[0]).toMatch(/'engagekit'/);
    expect(seen.uncaught).toEqual([]);
    // Chromium's own reports of the refused policy and script URL.
    console.log(`trusted-types without our policy: ${seen.errors.length} console error(s) from Chromium`);
  });
});

describe('connect-src blocking the collector', () => {
  it('20 s of tracking: a few console errors and one warning; the next page, allowed, delivers every event', async () => {
    const page = await browser!.context.newPage();
    const seen = listen(page);
    await openTracked(browser!.context, site.url('/blocked'), page);
    // Twenty seconds of a visitor's activity, an event each second: the scenario itself, not a wait for a result.
    for (let i = 0; i < 20; i++) {
      await page.evaluate(
        (name) => (window as unknown as { engagekit: (...a: unknown[]) => void }).engagekit('track', name),
        'csp' + i,
      );
      await page.waitForTimeout(1000);
    }
    await trackMany(page, 'cspBurst', 20);
    await page.waitForTimeout(1000);
    console.log(`connect-src blocking the collector: ${seen.errors.length} console error(s) in 21 s`, seen.errors);
    expect(seen.errors.length).toBeLessThanOrEqual(3);
    expect(seen.warnings).toEqual([
      `engagekit: the page's Content-Security-Policy connect-src blocks http://127.0.0.1:${collector.port}: add it to connect-src; events are kept and sent when allowed`,
    ]);
    expect(seen.uncaught).toEqual([]);
    expect(collector.requests.filter((r) => r.method === 'POST')).toEqual([]);
    // The next page of the site has no such CSP: it sends what the blocked page kept.
    await openTracked(browser!.context, site.url('/open'), page);
    await collector.waitFor(40, tracks('csp'), 30_000);
    expect(collector.stored((m) => m.type === 'page').map((m) => m.context.page.path)).toEqual(['/blocked', '/open']);
    expect(collector.duplicates()).toBe(0);
  });
});
