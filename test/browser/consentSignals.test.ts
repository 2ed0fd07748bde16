/**
 * `data-consent="auto"` in real Chromium: consent taken from the site's consent manager, with
 * stand-ins driven as consent managers drive them (support/consentMode.js: Google Consent Mode v2
 * through gtag and dataLayer, and Google Tag Manager taking over dataLayer.push; support/tcf.js:
 * an IAB TCF v2.2 CMP). Events tracked before the visitor's choice arrive after it, in order; a
 * refusal sends nothing and stores no identifier. Each test has a fresh browser profile, so
 * nothing stored by one test is seen by the next.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, tracks, type Received } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';

const consentModeStandIn = fileURLToPath(new URL('./support/consentMode.js', import.meta.url));
const tcfStandIn = fileURLToPath(new URL('./support/tcf.js', import.meta.url));
const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300', consent: 'auto' });
let browser: { context: BrowserContext; close: () => Promise<void> };
let errors: string[];

beforeAll(async () => {
  await collector.up();
  await site.start();
});
afterAll(async () => {
  await collector.close();
  await site.close();
});
beforeEach(async () => {
  collector.reset();
  errors = [];
  browser = await launch();
});
afterEach(async () => {
  await browser.close();
  expect(errors).toEqual([]);
});

type Win = {
  engagekit: (...args: unknown[]) => unknown;
  bannerClick: (choice: string) => void;
  loadGtmStandIn: () => void;
  gtmProcessed: unknown[][];
  dataLayer: unknown[];
  tcfStandIn: { choose: (consents: Record<number, boolean>) => void; listeners: () => number };
};

/** A new page that records uncaught errors, with `scripts` run before any of the page's own (a CMP in <head>). */
async function newPage(...scripts: (string | (() => void))[]): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  for (const script of scripts) await page.addInitScript(typeof script == 'string' ? { path: script } : script);
  return page;
}

const track = (page: Page, ...events: string[]) =>
  page.evaluate((names) => {
    for (const name of names) (window as unknown as Win).engagekit('track', name);
  }, events);

/** Send what is queued now: resolves once the queue is empty (events waiting for consent are not queued). */
const flush = (page: Page) => page.evaluate(() => (window as unknown as Win).engagekit('flush'));

/** Our identifiers in the page's localStorage. */
const storedIds = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((key) => /^engagekit:v1:(aid|uid|session)$/.test(key)));

/** The messages received so far, by event name (page views as `page`), without engagement reports. */
const names = (messages: Received[]) =>
  messages.filter((m) => m.event !== 'Page Engagement').map((m) => (m.type === 'page' ? 'page' : m.event));

/**
 * After a refusal: a page of the same site with consent granted tracks `Barrier`, and also sends
 * whatever earlier pages left in the shared queue. Once `Barrier` has arrived, anything the
 * refused page had queued would have too.
 */
async function barrier(): Promise<void> {
  const page = await newPage();
  await openTracked(browser.context, site.url('/barrier', { consent: 'granted' }), page);
  await track(page, 'Barrier');
  await collector.waitFor(1, tracks('Barrier'));
}

describe('data-consent="auto" with Google Consent Mode v2', () => {
  for (const gtm of ['none', 'before us', 'after us'] as const) {
    it(`events tracked before the banner click arrive after it, in order (GTM: ${gtm})`, async () => {
      const page = await newPage(
        consentModeStandIn,
        ...(gtm == 'before us' ? [() => (window as unknown as Win).loadGtmStandIn()] : []),
      );
      await openTracked(browser.context, site.url('/shop'), page);
      if (gtm == 'after us') await page.evaluate(() => (window as unknown as Win).loadGtmStandIn());
      await track(page, 'Before 1', 'Before 2');
      expect(await flush(page)).toBe(true);
      expect(collector.received).toEqual([]);
      expect(await storedIds(page)).toEqual([]);

      await page.evaluate(() => (window as unknown as Win).bannerClick('granted'));
      await track(page, 'After');
      const got = await collector.waitFor(5, (m) => m.event !== 'Page Engagement');
      expect(names(got)).toEqual(['Session Started', 'page', 'Before 1', 'Before 2', 'After']);
      expect(new Set(got.map((m) => m.context.session.id)).size).toBe(1);
      expect(await storedIds(page)).toContain('engagekit:v1:aid');
      // The consent reader is its own file, fetched only for data-consent="auto" (autocapture.test.ts
      // checks that a page without it fetches nothing but engagekit.min.js).
      expect(site.scripts).toContain('/engagekit-consent.min.js');
      if (gtm != 'none') {
        // GTM still processes what is pushed: the update went through its push and ours, once.
        const processed = await page.evaluate(() => (window as unknown as Win).gtmProcessed);
        expect(processed.at(-1)).toEqual([
          'consent',
          'update',
          expect.objectContaining({ analytics_storage: 'granted' }),
        ]);
        expect(await page.evaluate(() => (window as unknown as Win).dataLayer.length)).toBe(2);
      }
    });
  }

  it('a banner refusal: nothing arrives and no identifier is stored; a later change of mind sends only what follows it', async () => {
    const page = await newPage(consentModeStandIn);
    await openTracked(browser.context, site.url('/shop'), page);
    await track(page, 'Refused 1');
    await page.evaluate(() => (window as unknown as Win).bannerClick('denied'));
    await track(page, 'Refused 2');
    expect(await flush(page)).toBe(true);
    expect(await storedIds(page)).toEqual([]);
    await barrier();
    expect(collector.received.filter((m) => m.context.page.path === '/shop')).toEqual([]);

    // The visitor re-opens the banner and accepts: what was refused stays discarded.
    await page.evaluate(() => (window as unknown as Win).bannerClick('granted'));
    await track(page, 'Changed mind');
    await collector.waitFor(1, tracks('Changed mind'));
    expect(await flush(page)).toBe(true);
    expect(collector.received.filter(tracks('Refused'))).toEqual([]);
  });
});

describe('data-consent="auto" with an IAB TCF v2.2 CMP', () => {
  const allPurposes = { 1: true, 2: true, 3: true, 4: true, 7: true, 8: true, 9: true, 10: true };

  for (const cmpLoads of ['before us', 'after us'] as const) {
    it(`banner shown, then every purpose accepted: events arrive after the choice, in order (CMP loads ${cmpLoads})`, async () => {
      const page = await newPage(...(cmpLoads == 'before us' ? [tcfStandIn] : []));
      await openTracked(browser.context, site.url('/article'), page);
      await track(page, 'Before 1', 'Before 2');
      // The CMP script arriving after ours: found by polling for __tcfapi.
      if (cmpLoads == 'after us') await page.addScriptTag({ path: tcfStandIn });
      await page.waitForFunction(() => (window as unknown as Win).tcfStandIn.listeners() === 1, undefined, {
        timeout: 10_000,
      });
      expect(await flush(page)).toBe(true);
      expect(collector.received).toEqual([]);

      await page.evaluate((consents) => (window as unknown as Win).tcfStandIn.choose(consents), allPurposes);
      await track(page, 'After');
      const got = await collector.waitFor(5, (m) => m.event !== 'Page Engagement');
      expect(names(got)).toEqual(['Session Started', 'page', 'Before 1', 'Before 2', 'After']);
      expect(await storedIds(page)).toContain('engagekit:v1:aid');
    });
  }

  it('purpose 1 refused (7, 8, 9 accepted): nothing arrives, and no identifier is stored', async () => {
    const page = await newPage(tcfStandIn);
    await openTracked(browser.context, site.url('/article'), page);
    await track(page, 'Refused 1');
    await page.evaluate((consents) => (window as unknown as Win).tcfStandIn.choose(consents), {
      ...allPurposes,
      1: false,
    });
    await track(page, 'Refused 2');
    expect(await flush(page)).toBe(true);
    expect(await storedIds(page)).toEqual([]);
    await page.close({ runBeforeUnload: true });
    await barrier();
    expect(collector.received.filter((m) => m.context.page.path === '/article')).toEqual([]);
    expect(collector.received.filter(tracks('Refused'))).toEqual([]);
  });
});
