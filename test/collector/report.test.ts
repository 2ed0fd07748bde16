/**
 * The engagement report's numbers, on both storage backends: hand-built messages (five sessions,
 * report.fixture.ts) go into the real collector over HTTP, and every metric, table and series must
 * equal what the comments work out by hand. Then the API, the CSV export and the dashboard's files
 * as the collector serves them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  computeMetrics,
  computeTable,
  parseRange,
  TABLE_NAMES,
  COLUMNS,
  DEFINITIONS,
  SUMMARY,
} from '../../examples/collector/report/metrics.mjs';
import { percentile, prop, raw, sql } from '../../examples/collector/report/sql.mjs';
import { toCsv } from '../../examples/collector/report/csv.mjs';
import { startCollector } from '../../examples/collector/server.mjs';
import { startPostgres } from './support/postgres';
import { DAY, batchBody, messages } from './report.fixture';

type Collector = Awaited<ReturnType<typeof startCollector>>;
type Store = Collector['store'];

const RANGE = { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 5, 1) };

describe.each(['sqlite', 'postgres'] as const)('engagement report on %s', (kind) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let collector: Collector;
  let store: Store;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-report-'));
    if (kind === 'postgres') pgServer = await startPostgres();
    collector = await startCollector({ port: 0, dataDir: dir, databaseUrl: pgServer?.url, log: () => undefined });
    store = collector.store;
    base = collector.url;
    const res = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: batchBody(),
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 200,
      body: { accepted: messages().length, duplicates: 0, rejected: [] },
    });
  });
  afterAll(async () => {
    await collector?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes the summary', async () => {
    const { summary, range } = await computeMetrics(store, RANGE);
    expect(range).toEqual({
      from: RANGE.from,
      to: RANGE.to,
      fromDate: '2024-05-01',
      toDate: '2024-05-31',
      timeZone: 'UTC',
    });
    expect(summary).toEqual({
      visitors: 4, // a1, a2, a3, a4 (a5 is in June)
      sessions: 5, // S1…S5 (S0 is in April, S6 in June)
      pageviews: 11, // 1 + 3 + 3 + 3 + 1
      returningVisitors: 3, // a1 (seen in April), a2 (session index 2), a3 (two sessions, S5 index 2); not a4
      returningVisitorRate: 0.75, // 3 / 4
      bounces: 1, // S1: one page, 4 s engaged, no key event (form events are not key events); S5 has one page and 6 s but an order
      bounceRate: 0.2, // 1 / 5
      avgSessionDurationMs: 39_200, // (5000 + 70000 + 65000 + 50000 + 6000) / 5
      medianSessionDurationMs: 50_000, // 5000, 6000, [50000], 65000, 70000
      avgEngagedMsPerSession: 27_800, // (4000 + 36000 + 58000 + 35000 + 6000) / 5; S2 = 20000 + 5000 + 10000 + 1000 ('lots' ignored)
      medianEngagedMsPerSession: 35_000, // 4000, 6000, [35000], 36000, 58000
      pagesPerVisit: 2.2, // 11 / 5
      cartStarts: 2, // S3, S4 (S6 is out of range)
      cartSessions: 2,
      abandonedCartSessions: 1, // S4
      cartAbandonmentRate: 0.5, // 1 / 2
      checkoutStarts: 2, // S3, S4
      orders: 2, // o1, o2 (o2 arrived twice)
      revenue: 65, // o1 revenue 25 (not its total 30) + o2 total 40 (no revenue)
      currency: 'EUR',
      averageOrderValue: 32.5, // 65 / 2
      convertedSessions: 2, // S3, S5
      conversionRate: 0.4, // 2 / 5
      // Customers (customers.test.ts has a history made for them): a3 alone, never identified.
      customers: 1,
      newCustomers: 1,
      returningCustomers: 0,
      purchaseFrequency: 2, // o1, o2
      repeatPurchaseRate: 1, // a3 has two orders
      medianDaysBetweenOrders: (18 * 3600 - 58) / 86_400, // o1 May 12 14:01:01 → o2 May 13 08:00:03 (its first report)
      historicalClv: 65,
      customerChurnRate: null, // no order in April
      predictedClv: null,
      visitorChurnRate: 0, // April's only visitor, a1, is back in May
      stickiness: 5 / 31 / 4, // a1 May 10, a2 May 11, a3 May 12 and 13, a4 May 12: 5 visitor-days
    });
  });

  it('computes the cart funnel: each step needs the ones before it; checkout abandonment by step', async () => {
    expect(await computeTable(store, 'funnel', RANGE)).toEqual([
      { step: 'Sessions', sessions: 5, rate_of_start: 1, rate_of_previous: null },
      { step: 'Product viewed', sessions: 2, rate_of_start: 0.4, rate_of_previous: 0.4 }, // S3, S4
      { step: 'Product added', sessions: 2, rate_of_start: 0.4, rate_of_previous: 1 }, // S3, S4
      { step: 'Checkout started', sessions: 2, rate_of_start: 0.4, rate_of_previous: 1 }, // S3, S4
      { step: 'Checkout: contact', sessions: 2, rate_of_start: 0.4, rate_of_previous: 1 }, // S3, S4
      { step: 'Checkout: address', sessions: 1, rate_of_start: 0.2, rate_of_previous: 0.5 }, // S3 (S4 left at the address)
      { step: 'Checkout: shipping', sessions: 1, rate_of_start: 0.2, rate_of_previous: 1 },
      { step: 'Checkout: payment', sessions: 1, rate_of_start: 0.2, rate_of_previous: 1 },
      { step: 'Order completed', sessions: 1, rate_of_start: 0.2, rate_of_previous: 1 }, // S3 (S5 ordered without a cart)
    ]);
  });

  it('computes engaged time and scroll depth per page', async () => {
    expect(await computeTable(store, 'pages', RANGE)).toEqual([
      // S1 4000 and S2 20000 → 12000; final scroll 30 and 80 → 55
      { path: '/', pageviews: 2, visitors: 2, avg_engaged_ms: 12_000, avg_scroll_depth: 55 },
      // S3 40000 and S4 25000 → 32500; 100 and 40 → 70
      { path: '/checkout', pageviews: 2, visitors: 2, avg_engaged_ms: 32_500, avg_scroll_depth: 70 },
      // 1000 ('lots' and the non-final 'x' are ignored)
      { path: '/about', pageviews: 1, visitors: 1, avg_engaged_ms: 1000, avg_scroll_depth: 100 },
      { path: '/account', pageviews: 1, visitors: 1, avg_engaged_ms: 6000, avg_scroll_depth: 20 },
      { path: '/newsletter', pageviews: 1, visitors: 1, avg_engaged_ms: 2000, avg_scroll_depth: 100 },
      // one page view with two reports: 5000 + 10000; the final one's depth, 60
      { path: '/products', pageviews: 1, visitors: 1, avg_engaged_ms: 15_000, avg_scroll_depth: 60 },
      { path: '/products/mug', pageviews: 1, visitors: 1, avg_engaged_ms: 15_000, avg_scroll_depth: 90 },
      { path: '/products/tee', pageviews: 1, visitors: 1, avg_engaged_ms: 8000, avg_scroll_depth: 70 },
      { path: '/thank-you', pageviews: 1, visitors: 1, avg_engaged_ms: 3000, avg_scroll_depth: 50 },
    ]);
  });

  it('computes landing pages, referrers and campaigns', async () => {
    expect(await computeTable(store, 'landingPages', RANGE)).toEqual([
      { landing_path: '/', sessions: 2, bounce_rate: 0.5, conversion_rate: 0 }, // S1 (bounce), S2
      { landing_path: '/account', sessions: 1, bounce_rate: 0, conversion_rate: 1 }, // S5
      { landing_path: '/products/mug', sessions: 1, bounce_rate: 0, conversion_rate: 1 }, // S3
      { landing_path: '/products/tee', sessions: 1, bounce_rate: 0, conversion_rate: 0 }, // S4
    ]);
    expect(await computeTable(store, 'referrers', RANGE)).toEqual([
      { referrer: '(direct)', sessions: 2, bounce_rate: 0, conversion_rate: 0.5 }, // S2, S5 (ordered)
      { referrer: 'www.google.com', sessions: 2, bounce_rate: 0.5, conversion_rate: 0.5 }, // S1 (bounce), S3 (ordered)
      { referrer: 'news.example.org', sessions: 1, bounce_rate: 0, conversion_rate: 0 }, // S4
    ]);
    expect(await computeTable(store, 'campaigns', RANGE)).toEqual([
      {
        source: 'newsletter',
        medium: 'email',
        campaign: 'spring',
        sessions: 1,
        conversion_rate: 0,
        orders: 0,
        revenue: 0,
      },
    ]);
  });

  it('computes the form funnel and where people abandon', async () => {
    expect(await computeTable(store, 'forms', RANGE)).toEqual([
      // no form_id: keyed by its name; S1, S2, S4 started and abandoned it
      {
        form: 'newsletter',
        started: 3,
        submitted: 0,
        abandoned: 3,
        submit_rate: 0,
        abandon_rate: 1,
        avg_submit_ms: null,
      },
      // S3 submitted after 30 s, S4 abandoned
      {
        form: 'checkout',
        started: 2,
        submitted: 1,
        abandoned: 1,
        submit_rate: 0.5,
        abandon_rate: 0.5,
        avg_submit_ms: 30_000,
      },
    ]);
    const fields = await computeTable(store, 'formFields', RANGE);
    expect(fields).toEqual([
      { form: 'newsletter', field: 'email', abandons: 2, share: expect.closeTo(2 / 3, 12) }, // S1, S2
      { form: 'checkout', field: 'address', abandons: 1, share: 1 }, // S4
      { form: 'newsletter', field: 'name', abandons: 1, share: expect.closeTo(1 / 3, 12) }, // S4
    ]);
  });

  it('computes Web Vitals p75 per page, interpolated like percentile_cont', async () => {
    const rows = await computeTable(store, 'webVitals', RANGE);
    // Two values a ≤ b: p75 sits at 0.75 of the way, a·0.25 + b·0.75.
    const close = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? expect.closeTo(v, 9) : v]));
    expect(rows).toEqual([
      // lcp 1200/2000 → 300 + 1500; fcp 800/1000 → 200 + 750; ttfb 100/200 → 25 + 150; cls .01/.05 → .0025 + .0375; inp only S2's 100
      close({ path: '/', samples: 2, lcp_p75: 1800, inp_p75: 100, cls_p75: 0.04, fcp_p75: 950, ttfb_p75: 175 }),
      // lcp 1800/4000 → 450 + 3000; inp 150/600 → 37.5 + 450; cls .02/.3 → .005 + .225; fcp 700/2000 → 175 + 1500; ttfb 120/600 → 30 + 450
      close({
        path: '/checkout',
        samples: 2,
        lcp_p75: 3450,
        inp_p75: 487.5,
        cls_p75: 0.23,
        fcp_p75: 1675,
        ttfb_p75: 480,
      }),
      close({ path: '/products', samples: 1, lcp_p75: 3000, inp_p75: 300, cls_p75: 0.2, fcp_p75: 1500, ttfb_p75: 300 }),
      close({ path: '/products/mug', samples: 1, lcp_p75: 2200, inp_p75: 80, cls_p75: 0, fcp_p75: 900, ttfb_p75: 150 }),
    ]);
  });

  it('counts sessions per day, every day of the range', async () => {
    const days = await computeTable(store, 'sessionsPerDay', RANGE);
    expect(days).toHaveLength(31);
    expect(days[0].day).toBe('2024-05-01');
    expect(days[30].day).toBe('2024-05-31');
    const nonZero = days.filter((d) => Number(d.sessions) > 0);
    expect(nonZero).toEqual([
      { day: '2024-05-10', sessions: 1, visitors: 1, pageviews: 1, bounces: 1, conversions: 0 }, // S1
      { day: '2024-05-11', sessions: 1, visitors: 1, pageviews: 3, bounces: 0, conversions: 0 }, // S2
      { day: '2024-05-12', sessions: 2, visitors: 2, pageviews: 6, bounces: 0, conversions: 1 }, // S3, S4
      { day: '2024-05-13', sessions: 1, visitors: 1, pageviews: 1, bounces: 0, conversions: 1 }, // S5
    ]);
  });

  it('answers for an empty range with zeros and nulls, not errors', async () => {
    const m = await computeMetrics(store, { from: Date.UTC(2023, 0, 1), to: Date.UTC(2023, 0, 2) });
    expect(m.summary).toMatchObject({
      visitors: 0,
      sessions: 0,
      bounceRate: null,
      medianSessionDurationMs: null,
      revenue: 0,
      orders: 0,
      averageOrderValue: null,
      currency: null,
    });
    expect(m.series.sessionsPerDay).toEqual([
      { day: '2023-01-01', sessions: 0, visitors: 0, pageviews: 0, bounces: 0, conversions: 0 },
    ]);
    expect(m.tables.funnel.map((r) => r.sessions)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (const name of ['pages', 'landingPages', 'referrers', 'campaigns', 'forms', 'formFields', 'webVitals'] as const)
      expect(m.tables[name]).toEqual([]);
  });

  it('takes a range of part of a day: only the events in it count', async () => {
    // May 12 15:00 to 17:00 UTC: S4 only (S3 started at 14:00 but its events end at 14:01)
    const s = (await computeMetrics(store, { from: Date.UTC(2024, 4, 12, 15), to: Date.UTC(2024, 4, 12, 17) })).summary;
    expect(s).toMatchObject({ sessions: 1, visitors: 1, pageviews: 3, orders: 0, cartAbandonmentRate: 1 });
  });

  it('computes percentiles in SQL like percentile_cont, odd and even counts', async () => {
    const values = [[7], [1], [3], [10]]
      .map(([v], i) => `SELECT ${i % 2 ? "'b'" : "'a'"} AS g, ${v} AS v`)
      .join(' UNION ALL ');
    const q = sql`WITH t AS (${raw(values)}), p AS (${percentile(store.dialect, 0.75, raw('t'), [], 'v')}), pg AS (${percentile(store.dialect, 0.5, raw('t'), ['g'], 'v')})
      SELECT (SELECT value FROM p) AS all75, (SELECT value FROM pg WHERE g = 'a') AS a50, (SELECT value FROM pg WHERE g = 'b') AS b50`;
    // all: 1 3 7 10 → position 0.75·3 = 2.25 → 7 + 0.25·3 = 7.75; a: 3 7 → 5; b: 1 10 → 5.5
    expect(await store.all(q.text, q.params)).toEqual([{ all75: 7.75, a50: 5, b50: 5.5 }]);
  });

  it('gives the same percentiles when it counts first and reads two values (reread), NULLs, one value and none', async () => {
    const cases: Array<[string, number]> = [
      ['7, 1, 3, 10', 0.75],
      ['7, 1, 3, 10', 0.5],
      ['5, 1, NULL, 9', 0.5],
      ['2, 2, 2', 0.5],
      ['42', 0.5],
      ['4, 8', 1],
      ['4, 8', 0],
      ['NULL', 0.5],
    ];
    for (const [list, p] of cases) {
      const values = list
        .split(', ')
        .map((v) => `SELECT CAST(${v} AS DOUBLE PRECISION) AS v`)
        .join(' UNION ALL ');
      const q = sql`WITH t AS (${raw(values)}), a AS (${percentile(store.dialect, p, raw('t'), [], 'v')}),
        b AS (${percentile(store.dialect, p, raw('t'), [], 'v', { reread: true })})
        SELECT (SELECT value FROM a) AS windowed, (SELECT value FROM b) AS reread`;
      const [row] = await store.all(q.text, q.params);
      expect({ list, p, reread: row.reread }).toEqual({ list, p, reread: row.windowed });
    }
    const one = sql`WITH t AS (SELECT CAST(42 AS DOUBLE PRECISION) AS v) ${percentile(store.dialect, 0.5, raw('t'), [], 'v', { reread: true })}`;
    expect(await store.all(one.text, one.params)).toEqual([{ value: 42 }]);
  });

  it('reads JSON properties the same way: numbers only as numbers, true only as true', async () => {
    const obj = JSON.stringify({ n: 12.5, s: '12.5', t: true, f: false, one: 1, id: 42 });
    const q = sql`SELECT ${prop(store.dialect, 'n', 'num', 'j')} AS n, ${prop(store.dialect, 's', 'num', 'j')} AS s,
      CASE WHEN ${prop(store.dialect, 't', 'bool', 'j')} THEN 1 ELSE 0 END AS t, CASE WHEN ${prop(store.dialect, 'f', 'bool', 'j')} THEN 1 ELSE 0 END AS f,
      CASE WHEN ${prop(store.dialect, 'one', 'bool', 'j')} THEN 1 ELSE 0 END AS one, ${prop(store.dialect, 'id', 'text', 'j')} AS id,
      ${prop(store.dialect, 'missing', 'text', 'j')} AS missing
      FROM (SELECT CAST(${obj} AS TEXT) AS j) x`;
    expect(await store.all(q.text, q.params)).toEqual([
      { n: 12.5, s: null, t: 1, f: 0, one: 0, id: '42', missing: null },
    ]);
  });

  describe('over HTTP, served by the collector', () => {
    it('serves the metrics with their definitions, for ISO dates', async () => {
      const res = await fetch(`${base}/api/metrics?from=2024-05-01&to=2024-05-31`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await res.json();
      expect(Object.keys(body).sort()).toEqual([
        'columns',
        'definitions',
        'range',
        'series',
        'site',
        'summary',
        'tables',
      ]);
      expect(body.site).toBe('report-test');
      expect(body.range).toMatchObject({ from: RANGE.from, to: RANGE.to });
      expect(body.summary.sessions).toBe(5);
      expect(body.series.sessionsPerDay).toHaveLength(31);
      expect(Object.keys(body.tables).sort()).toEqual([
        'campaigns',
        'customers',
        'formFields',
        'forms',
        'funnel',
        'landingPages',
        'orderRetention',
        'pages',
        'referrers',
        'retention',
        'webVitals',
      ]);
      // Every metric, table and series has its definition.
      for (const [key] of SUMMARY) expect(body.definitions[key], key).toBeTypeOf('string');
      for (const name of TABLE_NAMES) expect(body.definitions[name], name).toBeTypeOf('string');
      expect(body.definitions).toEqual(DEFINITIONS);
    });

    it('takes ms since the epoch, and a limit on table rows', async () => {
      const body = await (await fetch(`${base}/api/metrics?from=${RANGE.from}&to=${RANGE.to}&limit=2`)).json();
      expect(body.summary.orders).toBe(2);
      expect(body.tables.pages.map((p: { path: string }) => p.path)).toEqual(['/', '/checkout']);
      expect(body.tables.funnel).toHaveLength(9);
    });

    it('answers 400 with a reason for a bad range', async () => {
      for (const q of [
        'from=yesterday',
        'from=2024-06-01&to=2024-05-01',
        'from=2024-13-40',
        'limit=0',
        'from=1990-01-01&to=2024-01-01',
      ]) {
        const res = await fetch(`${base}/api/metrics?${q}`);
        expect(res.status, q).toBe(400);
        expect((await res.json()).error, q).toBeTypeOf('string');
      }
    });

    it('exports each table as CSV with a header row', async () => {
      for (const name of TABLE_NAMES) {
        const res = await fetch(`${base}/api/export/${name}.csv?from=2024-05-01&to=2024-05-31`);
        expect(res.status, name).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
        expect(res.headers.get('content-disposition')).toBe(
          `attachment; filename="engagekit-${name}-2024-05-01-to-2024-05-31.csv"`,
        );
        const text = await res.text();
        const lines = text.split('\r\n');
        expect(lines[0]).toBe(COLUMNS[name as keyof typeof COLUMNS].map((c) => c.key).join(','));
        expect(lines.at(-1)).toBe('');
      }
      const funnel = await (await fetch(`${base}/api/export/funnel.csv?from=2024-05-01&to=2024-05-31`)).text();
      expect(funnel).toBe(
        'step,sessions,rate_of_start,rate_of_previous\r\nSessions,5,1,\r\nProduct viewed,2,0.4,0.4\r\nProduct added,2,0.4,1\r\nCheckout started,2,0.4,1\r\nCheckout: contact,2,0.4,1\r\nCheckout: address,1,0.2,0.5\r\nCheckout: shipping,1,0.2,1\r\nCheckout: payment,1,0.2,1\r\nOrder completed,1,0.2,1\r\n',
      );
      expect((await fetch(`${base}/api/export/nope.csv`)).status).toBe(404);
    });

    it('serves the dashboard and uPlot from the collector', async () => {
      for (const [path, type] of [
        ['/', 'text/html'],
        ['/report', 'text/html'],
        ['/report/dashboard.js', 'text/javascript'],
        ['/report/dashboard.css', 'text/css'],
        ['/assets/uPlot.iife.min.js', 'text/javascript'],
        ['/assets/uPlot.min.css', 'text/css'],
      ]) {
        const res = await fetch(base + path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toContain(type);
        expect((await res.text()).length, path).toBeGreaterThan(100);
      }
      // Only GET and HEAD: the collector answers anything else (404).
      expect((await fetch(base + '/api/metrics', { method: 'POST' })).status).toBe(404);
      expect((await fetch(base + '/nothing-here')).status).toBe(404);
      expect((await fetch(base + '/', { method: 'HEAD' })).status).toBe(200);
    });

    it('asks for the password when REPORT_PASSWORD is set, and leaves ingestion open', async () => {
      process.env.REPORT_PASSWORD = 's3cret';
      try {
        const denied = await fetch(`${base}/api/metrics`);
        expect(denied.status).toBe(401);
        expect(denied.headers.get('www-authenticate')).toMatch(/^Basic/);
        expect((await fetch(`${base}/`)).status).toBe(401);
        expect(
          (await fetch(`${base}/api/metrics`, { headers: { authorization: 'Basic ' + btoa('me:wrong') } })).status,
        ).toBe(401);
        expect(
          (await fetch(`${base}/api/metrics`, { headers: { authorization: 'Basic ' + btoa('me:s3cret') } })).status,
        ).toBe(200);
        // Ingestion is the collector's, not the report's: no password there.
        expect((await fetch(`${base}/v1/batch`, { method: 'POST', body: batchBody() })).status).toBe(200);
      } finally {
        delete process.env.REPORT_PASSWORD;
      }
    });

    it('is not readable by other sites: no CORS headers on the report', async () => {
      const res = await fetch(`${base}/api/metrics`, { headers: { origin: 'https://evil.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });
});

describe('range and CSV', () => {
  const now = Date.UTC(2024, 4, 20, 15, 30);
  it('defaults to the last 30 UTC days, today included', () => {
    expect(parseRange(new URLSearchParams(), now)).toEqual({ from: Date.UTC(2024, 3, 21), to: Date.UTC(2024, 4, 21) });
  });
  it('reads dates (to includes its day), ms and ISO times', () => {
    expect(parseRange(new URLSearchParams('from=2024-05-01&to=2024-05-01'), now)).toEqual({
      from: Date.UTC(2024, 4, 1),
      to: Date.UTC(2024, 4, 2),
    });
    expect(parseRange(new URLSearchParams('from=1000&to=2000'), now)).toEqual({ from: 1000, to: 2000 });
    expect(parseRange(new URLSearchParams('from=2024-05-01T12:00:00Z&to=2024-05-01T14:00:00%2B01:00'), now)).toEqual({
      from: Date.UTC(2024, 4, 1, 12),
      to: Date.UTC(2024, 4, 1, 13),
    });
    expect(parseRange(new URLSearchParams('from=2024-05-01'), now)).toEqual({ from: Date.UTC(2024, 4, 1), to: now });
  });
  it('quotes CSV fields that need it and defuses formulas', () => {
    const cols = [
      { key: 'a', label: 'A', type: 'text' as const },
      { key: 'b', label: 'B', type: 'num' as const },
    ];
    expect(
      toCsv(cols, [
        { a: 'x,y', b: 'say "hi"' },
        { a: 'two\nlines', b: null },
        { a: '=HYPERLINK("http://evil")', b: -3.5 },
        { a: '+1', b: 0 },
      ]),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"two\nlines",\r\n"\'=HYPERLINK(""http://evil"")",-3.5\r\n\'+1,0\r\n');
  });
  it('has a definition for every metric and table', () => {
    for (const [key] of SUMMARY) expect(DEFINITIONS[key as keyof typeof DEFINITIONS], key).toBeTruthy();
    for (const name of Object.keys(COLUMNS)) expect(DEFINITIONS[name as keyof typeof DEFINITIONS], name).toBeTruthy();
    expect(DAY).toBe(86_400_000);
  });
});
