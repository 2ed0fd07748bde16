import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launch } from '../browser/support/browser';
import { startCollector } from '../../examples/collector/server.mjs';
import { batchBody, messages, sessionId } from './report.fixture';

// The dashboard in Chromium, served by the real collector (SQLite) over the hand-built data of
// report.test.ts: the page loads without errors, the charts draw their data, the numbers are the
// expected ones, the date range works and every CSV link answers, and the site selector shows
// another site's numbers (a second write key holds session S3 alone, under the same ids). A
// full-page screenshot goes to test-results/dashboard.png.

/** Pixels of a canvas close to an RGB color (uPlot draws at device pixels; anti-aliasing blends edges). */
function colorPixels(page: Page, selector: string, rgb: [number, number, number]): Promise<number[]> {
  return page.$$eval(
    selector,
    (canvases, rgb) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (
            d[i + 3] > 200 &&
            Math.abs(d[i] - rgb[0]) < 24 &&
            Math.abs(d[i + 1] - rgb[1]) < 24 &&
            Math.abs(d[i + 2] - rgb[2]) < 24
          )
            n++;
        return n;
      }),
    rgb,
  );
}

describe('engagement dashboard in Chromium', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCollector>>;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-dashboard-'));
    server = await startCollector({ port: 0, dataDir: dir, log: () => undefined });
    const sent = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: batchBody(),
    });
    expect({ status: sent.status, body: await sent.json() }).toMatchObject({ status: 200, body: { rejected: [] } });
    // Another site, with fewer events: the page shows the busiest site until another is chosen.
    const s3 = messages().filter((m) => m.context.session.id == sessionId('S3'));
    const other = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ batch: s3, writeKey: 'other-shop' }),
    });
    expect(other.status).toBe(200);
    browser = await launch();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('requestfailed', (r) => problems.push(`${r.url()} ${r.failure()?.errorText}`));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the summary, tables and non-empty charts', async () => {
    await page.goto(`${server.url}/?from=2024-05-01&to=2024-05-31`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });

    const card = (key: string) => page.textContent(`.card[data-metric="${key}"] .card-value`);
    expect(await card('sessions')).toBe('5');
    expect(await card('visitors')).toBe('4');
    expect(await card('bounceRate')).toBe('20 %');
    expect(await card('revenue')).toBe('€65.00');
    expect(await card('medianSessionDurationMs')).toBe('50 s');
    // The definition is on the card, as small text and as a tooltip.
    const bounceDef = await page.textContent('.card[data-metric="bounceRate"] .card-def');
    expect(bounceDef).toMatch(/Bounces ÷ sessions/);
    expect(await page.getAttribute('.card[data-metric="bounceRate"]', 'title')).toBe(bounceDef);
    expect(await page.textContent('[data-def="funnel"]')).toMatch(/Cart Started/);

    // Tables: the rows of report.test.ts, formatted.
    expect(await page.$$eval('[data-table="pages"] tbody tr', (trs) => trs.length)).toBe(9);
    expect(
      await page.$$eval('[data-table="formFields"] tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent)),
    ).toEqual(['email', 'address', 'name']);
    // Web Vitals against Google's thresholds: /checkout's LCP p75 3450 ms needs improvement, /'s 1800 ms is good.
    const vitals = await page.$$eval('[data-table="webVitals"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.className)),
    );
    expect(vitals[0][2]).toBe('num good');
    expect(vitals[1][2]).toBe('num fair');

    // Charts: uPlot holds the data, and the canvases show the series' colors, not just axes.
    const lengths = await page.evaluate(() =>
      (window as unknown as { __charts: { data: unknown[][] }[] }).__charts.map((c) => c.data[1].length),
    );
    expect(lengths).toEqual([31, 9, 3, 3]); // days of May; funnel steps; two forms' three steps
    const [sessionsBlue] = await colorPixels(page, '#chart-sessions canvas', [37, 99, 235]);
    const [funnelBlue] = await colorPixels(page, '#chart-funnel canvas', [37, 99, 235]);
    const formPurple = await colorPixels(page, '#chart-forms canvas', [124, 58, 237]);
    expect(sessionsBlue).toBeGreaterThan(200);
    expect(funnelBlue).toBeGreaterThan(2000);
    expect(formPurple).toHaveLength(2);
    for (const n of formPurple) expect(n).toBeGreaterThan(1000);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('renders the customer cards, the cohort heat maps and the top customers', async () => {
    const card = (key: string) => page.textContent(`.card[data-metric="${key}"] .card-value`);
    // a3's two orders (report.test.ts works them out).
    expect(await card('customers')).toBe('1');
    expect(await page.textContent('.card[data-metric="customers"] .card-note')).toBe('1 new, 0 returning');
    expect(await card('purchaseFrequency')).toBe('2');
    expect(await card('repeatPurchaseRate')).toBe('100 %');
    expect(await card('medianDaysBetweenOrders')).toBe('0.75 days');
    expect(await card('historicalClv')).toBe('€65.00');
    expect(await card('predictedClv')).toBe('–'); // no customer churn rate: no order in April
    expect(await card('visitorChurnRate')).toBe('0 %');
    expect(await card('stickiness')).toBe('4.03 %'); // 5 visitor-days / 31 / 4 visitors
    expect(await page.textContent('[data-def="customer"]')).toMatch(/identify\(\)/);

    // Visitors a2, a3, a4 first came in the week of Monday May 6; a3 again on Monday May 13.
    const heat = (table: string) =>
      page.$$eval(`.heatmap[data-table="${table}"] tbody tr`, (trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('td')].map((td) => [td.textContent, td.className, td.style.backgroundColor]),
        ),
      );
    const [cohort] = await heat('retention');
    expect(cohort.map(([text]) => text).slice(0, 8)).toEqual([
      '2024-05-06',
      '3',
      '100 %',
      '33.33 %',
      '0 %',
      '0 %',
      '',
      '',
    ]);
    expect(cohort[2][1]).toBe('num heat heat-dark');
    expect(cohort[2][2]).toBe('rgba(37, 99, 235, 0.9)');
    expect(cohort[3][2]).toMatch(/^rgba\(37, 99, 235, 0\.34/);
    expect(cohort[6][1]).toBe('num heat-none'); // the week of June 3 has not started by May 31
    // a3's first order on Sunday May 12, the next on Monday May 13: week 1.
    const [orders] = await heat('orderRetention');
    expect(orders.map(([text]) => text).slice(0, 5)).toEqual(['2024-05-06', '1', '0 %', '100 %', '0 %']);
    expect(
      await page.$$eval('[data-table="customers"] tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      ),
    ).toEqual([['a0000000-0000-4000-8000-000000000003', '2', '€65.00', '2024-05-12', '2024-05-13', '18']]);
    await page.locator('#h-retention').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/dashboard-customers.png' });
    expect(problems).toEqual([]);
  });

  it('links every table to its CSV for the shown range', async () => {
    const links = await page.$$eval('a.csv', (as) => (as as HTMLAnchorElement[]).map((a) => a.href));
    expect(links.length).toBe(12); // the eleven tables and the daily series
    for (const href of links) {
      expect(href).toContain('from=2024-05-01&to=2024-05-31');
      const res = await fetch(href);
      expect(res.status, href).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trimEnd().split('\r\n');
      expect(lines.length, href).toBeGreaterThan(1);
    }
  });

  it('shows another range from the date inputs', async () => {
    await page.fill('input[name="from"]', '2024-05-12');
    await page.fill('input[name="to"]', '2024-05-12');
    await page.click('button[type="submit"]');
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' && location.search.includes('from=2024-05-12'),
    );
    expect(await page.textContent('.card[data-metric="sessions"] .card-value')).toBe('2'); // S3, S4
    expect(await page.textContent('.card[data-metric="cartAbandonmentRate"] .card-value')).toBe('50 %');
    const lengths = await page.evaluate(() =>
      (window as unknown as { __charts: { data: unknown[][] }[] }).__charts.map((c) => c.data[1].length),
    );
    expect(lengths).toEqual([1, 9, 3, 3]);
    expect(await page.getAttribute('a.csv[data-table="pages"]', 'href')).toBe(
      '/api/export/pages.csv?from=2024-05-12&to=2024-05-12&site=report-test',
    );

    await page.fill('input[name="from"]', '2023-01-01');
    await page.fill('input[name="to"]', '2023-01-31');
    await page.click('button[type="submit"]');
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' && location.search.includes('from=2023-01-01'),
    );
    expect(await page.textContent('#status')).toMatch(/no sessions/);
    expect(await page.textContent('#chart-forms')).toMatch(/No form activity/);
    expect(problems).toEqual([]);
  });

  it('shows another site from the selector, kept in the URL with the range', async () => {
    const sessions = () => page.textContent('.card[data-metric="sessions"] .card-value');
    await page.goto(`${server.url}/?from=2024-05-01&to=2024-05-31`);
    await page.waitForSelector('body[data-state="ready"]');
    // The busiest site first, put into the URL.
    expect(await page.$$eval('#site option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
      'report-test',
      'other-shop',
    ]);
    expect(await page.inputValue('#site')).toBe('report-test');
    expect(new URL(page.url()).searchParams.get('site')).toBe('report-test');
    expect(await sessions()).toBe('5');

    await page.selectOption('#site', 'other-shop');
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' && location.search.includes('site=other-shop'),
    );
    // S3 alone: one session, three pages, order o1.
    expect(await sessions()).toBe('1');
    expect(await page.textContent('.card[data-metric="revenue"] .card-value')).toBe('€25.00');
    expect(await page.textContent('#status')).toMatch(/^other-shop, 2024-05-01 to 2024-05-31/);
    expect(await page.getAttribute('a.csv[data-table="pages"]', 'href')).toBe(
      '/api/export/pages.csv?from=2024-05-01&to=2024-05-31&site=other-shop',
    );
    // The range keeps the site; the back button brings the other site back.
    await page.click('button[data-days="7"]');
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' && !location.search.includes('2024-05-01'),
    );
    expect(new URL(page.url()).searchParams.get('site')).toBe('other-shop');
    await page.goBack();
    await page.goBack();
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' && location.search.includes('site=report-test'),
    );
    expect(await page.inputValue('#site')).toBe('report-test');
    expect(await sessions()).toBe('5');
    expect(problems).toEqual([]);
  });
});
