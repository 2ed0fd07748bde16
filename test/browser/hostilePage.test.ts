/**
 * A site whose pages load Prototype.js 1.6 (its Array.prototype.toJSON makes JSON.stringify write
 * an array as a JSON *string*) and wrap JSON.stringify, in real Chromium: the events a page could
 * not deliver when it was left (collector down) reach the next page of the site through the
 * localStorage spill, which that page restores and deletes; once the collector is back, every
 * event arrives once, and IndexedDB never fails on the way. The stand-in and its source are in
 * support/hostileJson.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, tracks } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked, trackMany } from './support/browser';
import { hostileJson } from './support/hostileJson';

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
  await collector.up().catch(() => undefined);
});

type Spilled = { id: string; j: string; n: number; t: number };
type Instrumented = { stringifyCalls: number; spillAtStart: string[] };

// Test instrumentation, not part of the hostile page: what the spill held when this page started,
// before engagekit read it.
function snapshotSpill() {
  (window as unknown as Instrumented).spillAtStart = Object.keys(localStorage)
    .filter((key) => key.startsWith('engagekit:v1:spill.'))
    .map((key) => localStorage.getItem(key)!);
}

const names = (n: number) => Array.from({ length: n }, (_, i) => 'hostile' + i).sort();

describe('a page with Prototype.js 1.6 and a replaced JSON.stringify', () => {
  for (const arrays of ['json', 'garbage'] as const) {
    it(`JSON.stringify returning ${arrays} for arrays: events unsent at page leave arrive once, through the spill`, async () => {
      browser = await launch();
      await browser.context.addInitScript(hostileJson, arrays);
      await browser.context.addInitScript(snapshotSpill);
      const page = await openTracked(browser.context, site.url('/'));
      await collector.waitFor(1, (m) => m.type === 'page');
      await collector.down();
      await trackMany(page, 'hostile', 20);
      // The wrapper is in place (engagekit's messages still go through JSON.stringify).
      expect(await page.evaluate(() => (window as unknown as Instrumented).stringifyCalls)).toBeGreaterThan(0);
      const logs: string[] = [];
      await page.click('#next');
      await page.waitForURL(/\/next/);
      page.on('console', (message) => logs.push(message.type() + ': ' + message.text()));
      await page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1);
      // The first page wrote a spill that is an array of records, whatever the page did to JSON.
      const spilled = await page.evaluate(() => (window as unknown as Instrumented).spillAtStart);
      expect(spilled).toHaveLength(1);
      const records = JSON.parse(spilled[0]) as Spilled[];
      expect(Array.isArray(records)).toBe(true);
      const spilledNames = records.map((record) => JSON.parse(record.j).event).filter((name) => /^hostile/.test(name));
      expect(spilledNames.sort()).toEqual(names(20));
      // The next page put it into IndexedDB and deleted it.
      await page.waitForFunction(
        () => !Object.keys(localStorage).some((key) => key.startsWith('engagekit:v1:spill.')),
        undefined,
        { timeout: 10_000 },
      );
      await collector.up();
      await collector.waitFor(20, tracks('hostile'), 45_000);
      expect(
        collector
          .stored(tracks('hostile'))
          .map((m) => String(m.event))
          .sort(),
      ).toEqual(names(20));
      expect(collector.duplicates(tracks('hostile'))).toBe(0);
      expect(logs.filter((line) => /IndexedDB failed|engagekit: internal error/.test(line))).toEqual([]);
    });
  }
});
