/**
 * A hostile page in real Chromium, through the script tag: a started form whose action is no URL,
 * a BigInt product id, and calls queued in the stub that are not engagekit calls at all. The page's
 * own `history.pushState` still works, the rest of the queue and every capture still run, and
 * nothing is thrown into the page.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, tracks } from './support/collector';
import { Site } from './support/site';
import { launch } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300', 'web-vitals': 'false' });
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  await collector.up();
  site.bodies['/hostile'] = '<form id="signup" action="http://["><input name="email"></form>';
  await site.start();
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
  await collector.close();
  await site.close();
});
beforeEach(() => collector.reset());
afterEach(async () => {
  for (const page of browser.context.pages()) await page.close();
});

describe('a hostile page', () => {
  it("keeps its own pushState, and bad calls in the stub's queue do not stop the rest or the captures", async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
    await page.addInitScript(() => {
      const w = window as unknown as { engagekit: ((...args: unknown[]) => void) & { q?: unknown[] } };
      w.engagekit = function () {
        // eslint-disable-next-line prefer-rest-params -- the README's stub, as written: it queues `arguments` objects
        (w.engagekit.q = w.engagekit.q || []).push(arguments);
      };
      w.engagekit('cart.add', { product_id: BigInt(10), quantity: 1 });
      w.engagekit('__proto__');
      w.engagekit('constructor');
      w.engagekit.q!.push(5);
      w.engagekit('track', 'After Bad Calls');
    });
    await page.goto(site.url('/hostile'));
    await collector.waitFor(1, tracks('After Bad Calls'));
    await collector.waitFor(1, (message) => message.type === 'page');

    // The form is started; the page's router then navigates, and its own pushState must not throw.
    await page.fill('#signup input', 'someone');
    await collector.waitFor(1, tracks('Form Started'));
    const outcome = await page.evaluate(() => {
      try {
        const result = history.pushState({}, '', '/hostile/next');
        return { threw: false, result: String(result), path: location.pathname };
      } catch (error) {
        return { threw: true, result: String(error), path: location.pathname };
      }
    });
    expect(outcome).toEqual({ threw: false, result: 'undefined', path: '/hostile/next' });
    await collector.waitFor(1, tracks('Form Abandoned'));
    await collector.waitFor(2, (message) => message.type === 'page');

    const stored = collector.stored((message) => message.type === 'track' && message.event !== 'Page Engagement');
    expect(stored.map((message) => message.event)).toEqual([
      'Session Started',
      'Cart Started',
      'Product Added',
      'After Bad Calls',
      'Form Started',
      'Form Abandoned',
    ]);
    expect(stored[2].properties).toEqual({ quantity: 1, source: 'api' });
    expect(stored[5].properties).toMatchObject({ form_id: 'signup', action_path: '' });
    expect(collector.stored((message) => message.type === 'page').map((message) => message.properties!.path)).toEqual([
      '/hostile',
      '/hostile/next',
    ]);
    expect(errors).toEqual([]);
    for (const problem of [
      'engagekit: product_id dropped: it is a bigint',
      'engagekit: __proto__() is not an engagekit method: dropped',
      'engagekit: constructor() is not an engagekit method: dropped',
      'engagekit: a queued call that is not a list of arguments was skipped',
    ]) {
      expect(warnings.filter((warning) => warning === problem)).toHaveLength(1);
    }
  });
});
