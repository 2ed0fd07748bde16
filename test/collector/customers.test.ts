/**
 * Customer engagement over time, on both backends: the crafted history of customers.fixture.ts
 * (identify() merges, two devices, a shared anonymous id, another write key, duplicates, events
 * after the range) and every customer number, table and cohort worked out by hand for March 2024,
 * from the rollups and from the raw events alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../examples/collector/store.mjs';
import { computeMetrics, computeTable } from '../../examples/collector/report/metrics.mjs';
import { startPostgres } from './support/postgres';
import { at, customerHistory } from './customers.fixture';

const MARCH = { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) };
const DAY = 86_400_000;
/** The shop's write key: the history also holds an identify() of another site (report/sites.mjs). */
const SITE = 'k1';
/** w0 … w12 of a cohort row: the given shares, then none (weeks starting after the range). */
const weeks = (...shares: number[]) =>
  Object.fromEntries(Array.from({ length: 13 }, (_, k) => [`w${k}`, k < shares.length ? shares[k] : null]));

describe.each(['sqlite', 'postgres'] as const)('customer engagement on %s', (kind) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-customers-'));
    if (kind === 'postgres') pgServer = await startPostgres();
    store = await openStore({ dataDir: dir, databaseUrl: pgServer?.url });
    expect(await store.insert(customerHistory())).toBe(customerHistory().length);
  });
  afterAll(async () => {
    await store?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const source of ['rollup', 'raw'] as const) {
    it(`computes the customer summary for March (${source})`, async () => {
      const { summary } = await computeMetrics(store, MARCH, { source, site: SITE });
      expect(summary).toMatchObject({
        orders: 5, // k3, k4 (twice), k5, k6, k10
        revenue: 165, // 30 + 20 + 40 + 60 (k6's total) + 15
        averageOrderValue: 33, // 165 / 5
        customers: 3, // u1 (k3, k4), u2 (k5 on A2, k6 on A3), A6 (k10; the other site's identify does not count)
        newCustomers: 2, // u2 (first order Mar 3), A6 (Mar 25)
        returningCustomers: 1, // u1 (k1 on Jan 10, anonymous then, merged by the identify of Jan 11)
        purchaseFrequency: 5 / 3,
        // Up to Mar 31: u1 (4 orders), u2 (2), A4 (1), u4 (1: k8 of the shared A5), A6 (1): 2 of 5
        repeatPurchaseRate: 0.4,
        // u1: Jan 10 → Feb 10 31 d, Feb 10 12:00 → Mar 5 18:00 24.25 d, → Mar 20 12:00 14.75 d;
        // u2: Mar 3 → Mar 12 9 d. 9, 14.75, 24.25, 31 → (14.75 + 24.25) / 2
        medianDaysBetweenOrders: 19.5,
        // u1 100 + 50 + 30 + 20, u2 40 + 60 (k9 is after the range), A6 15: 315 / 3
        historicalClv: 105,
        // Jan 30 – Feb 29 (31 days): u1 (k2), A4 (k7), u4 (k8); A4 and u4 order nothing in March
        customerChurnRate: 2 / 3,
        predictedClv: expect.closeTo(82.5, 9), // 33 × 5/3 ÷ 2/3
        // Jan 30 – Feb 29: A1, A4, A5, A7, A8; A4, A5 and A8 not in March
        visitorChurnRate: 0.6,
        // March: A1 (Mar 5, 20), A2 (2, 3), A3 (10, 12), A6 (25; its identify of Mar 1 is the other
        // site's), A7 (8, 9): 9 visitor-days / 31 days / 5 visitors
        stickiness: expect.closeTo(9 / 155, 12),
      });
    });

    it(`computes the retention cohorts and the top customers (${source})`, async () => {
      // First visits in March: A2 (Sat Mar 2) in the week of Mon Feb 26; A3 (Sun Mar 10) in the
      // week of Mar 4, back on Tue Mar 12 (week 1); A6 (Mon Mar 25: its event of Mar 1 is an
      // identify() sent to the other site, which this site's report does not see). Weeks from
      // Apr 1 on have not started by the end of the range.
      expect(await computeTable(store, 'retention', MARCH, undefined, source, SITE)).toEqual([
        { cohort: '2024-02-26', visitors: 1, ...weeks(1, 0, 0, 0, 0) },
        { cohort: '2024-03-04', visitors: 1, ...weeks(1, 1, 0, 0) },
        { cohort: '2024-03-25', visitors: 1, ...weeks(1) },
      ]);
      // First orders in March: u2 (Sun Mar 3, week of Feb 26), who orders again Tue Mar 12 (week 2);
      // A6 (Mar 25), who does not.
      expect(await computeTable(store, 'orderRetention', MARCH, undefined, source, SITE)).toEqual([
        { cohort: '2024-02-26', customers: 1, ...weeks(0, 0, 1, 0, 0) },
        { cohort: '2024-03-25', customers: 1, ...weeks(0) },
      ]);
      expect(await computeTable(store, 'customers', MARCH, undefined, source, SITE)).toEqual([
        // Days to Apr 1 00:00: 11.5, 19.5 and 6.5, whole days
        {
          customer: 'u1',
          orders: 4,
          revenue: 200,
          first_order: '2024-01-10',
          last_order: '2024-03-20',
          days_since_last: 11,
        },
        {
          customer: 'u2',
          orders: 2,
          revenue: 100,
          first_order: '2024-03-03',
          last_order: '2024-03-12',
          days_since_last: 19,
        },
        {
          customer: 'A6',
          orders: 1,
          revenue: 15,
          first_order: '2024-03-25',
          last_order: '2024-03-25',
          days_since_last: 6,
        },
      ]);
    });
  }

  it('counts identities only up to the end of the range: A6 is u9 from April 3 on', async () => {
    const april = { from: Date.UTC(2024, 3, 1), to: Date.UTC(2024, 3, 8) };
    const rows = await computeTable(store, 'customers', april, undefined, undefined, SITE);
    // k9 (u2, Apr 5) is April's only order
    expect(rows).toEqual([
      {
        customer: 'u2',
        orders: 3,
        revenue: 600,
        first_order: '2024-03-03',
        last_order: '2024-04-05',
        days_since_last: 2,
      },
    ]);
    const { summary } = await computeMetrics(store, april, { site: SITE });
    expect(summary).toMatchObject({ customers: 1, newCustomers: 0, returningCustomers: 1, purchaseFrequency: 1 });
    // Mar 25 – Mar 31: A6 ordered; in April A6 is u9, who has not ordered: churned
    expect(summary.customerChurnRate).toBe(1);
    expect(summary.predictedClv).toBe(500); // 500 × 1 ÷ 1
  });

  it('takes part of a day from the events: March 3 from noon to 18:00', async () => {
    const range = { from: at(3, 3), to: at(3, 3, 18) };
    const { summary } = await computeMetrics(store, range, { site: SITE });
    expect(summary).toMatchObject({
      customers: 1, // u2's k5 at 12:00
      newCustomers: 1,
      purchaseFrequency: 1,
      // Up to 18:00 on Mar 3: u1 (k1, k2), A4, u4, u2: 1 of 4
      repeatPurchaseRate: 0.25,
      medianDaysBetweenOrders: 31, // u1's Jan 10 → Feb 10 only
      historicalClv: 40,
      customerChurnRate: null, // no order from 06:00 to 12:00
      predictedClv: null,
      visitorChurnRate: null,
    });
    expect(summary.stickiness).toBeCloseTo(1 / (6 / 24), 12); // A2 on one day, a range of 6 h = 0.25 day
    expect(range.to - range.from).toBe(DAY / 4);
  });

  it("reads a report's customer orders once and leaves none behind", async () => {
    // Each report reads them into a temporary table of its own (sharedOrders.mjs; on PostgreSQL on
    // a connection it holds), gone when it ends, also when one of its queries fails.
    const left = async () =>
      kind === 'sqlite'
        ? (await store.all("SELECT name FROM sqlite_temp_master WHERE name LIKE 'report_orders_%'")).length
        : Number((await store.all("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'report_orders_%'"))[0].n);
    await Promise.all([computeMetrics(store, MARCH, { site: SITE }), computeMetrics(store, MARCH, { site: SITE })]);
    expect(await left()).toBe(0);
    const fails = (q: string, p: unknown[] | undefined, all: Store['all']) =>
      q.includes('ranked AS') ? Promise.reject(new Error('no')) : all(q, p);
    const failing: Store = {
      ...store,
      all: (q, p) => fails(q, p, store.all),
      connect:
        store.connect &&
        (async () => {
          const connection = await store.connect!();
          return { ...connection, all: (q, p) => fails(q, p, connection.all) };
        }),
    };
    await expect(computeMetrics(failing, MARCH, { site: SITE })).rejects.toThrow('no');
    expect(await left()).toBe(0);
  });

  it.runIf(kind === 'postgres')('answers more reports at once than the report pool has connections', async () => {
    // Each holds a connection for its customer queries (sharedOrders.mjs) and must let it go
    // without waiting for the pool's others: six reports over three connections all end.
    const other = await openStore({ databaseUrl: pgServer!.url, reportTimeoutMs: 5_000 });
    try {
      const ranges = Array.from({ length: 6 }, (_, i) => ({ from: MARCH.from + i * DAY, to: MARCH.to }));
      const reports = await Promise.all(ranges.map((range) => computeMetrics(other.report, range, { site: SITE })));
      expect(reports.map((r) => r.range.from)).toEqual(ranges.map((r) => r.from));
    } finally {
      await other.close();
    }
  });

  it('answers an empty range with zeros and nulls', async () => {
    const { summary, tables } = await computeMetrics(
      store,
      { from: Date.UTC(2023, 0, 1), to: Date.UTC(2023, 0, 2) },
      { site: SITE },
    );
    expect(summary).toMatchObject({
      customers: 0,
      newCustomers: 0,
      returningCustomers: 0,
      purchaseFrequency: null,
      repeatPurchaseRate: null,
      medianDaysBetweenOrders: null,
      historicalClv: null,
      customerChurnRate: null,
      predictedClv: null,
      visitorChurnRate: null,
      stickiness: null,
    });
    expect(tables.retention).toEqual([]);
    expect(tables.orderRetention).toEqual([]);
    expect(tables.customers).toEqual([]);
  });

  it('gives a store made before the identify index that index when it opens, with the same numbers', async () => {
    const before = await computeMetrics(store, MARCH, { site: SITE });
    const indexes = () =>
      store.all(
        kind === 'sqlite'
          ? "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_identify_latest'"
          : "SELECT indexname AS name FROM pg_indexes WHERE indexname = 'events_identify_latest'",
      );
    // As an older store: no such index.
    if (kind === 'postgres') {
      await store.all('DROP INDEX events_identify_latest');
      expect(await indexes()).toEqual([]);
      await store.close();
    } else {
      await store.close();
      const db = new Database(join(dir, 'engagekit.sqlite'));
      db.exec('DROP INDEX events_identify_latest');
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'events_identify_latest'").all()).toEqual([]);
      db.close();
    }
    store = await openStore({ dataDir: dir, databaseUrl: pgServer?.url });
    expect(await indexes()).toEqual([{ name: 'events_identify_latest' }]);
    expect(await computeMetrics(store, MARCH, { site: SITE })).toEqual(before);
  });
});
