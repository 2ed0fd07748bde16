/**
 * The whole job end to end: four scripted visitors go through the demo store (instrumented with
 * the script tag only) in real Chromium, the reference collector stores what engagekit sends, and
 * the engagement report's numbers equal the ones counted by hand from the script below.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../examples/collector/server.mjs';
import { startShop } from '../../examples/shop/server.mjs';
import { abandonCheckout, bounce, browse, buy, installClock } from '../../examples/shop/traffic.mjs';
import { launch } from './support/browser';

let dir: string;
let collector: Awaited<ReturnType<typeof startCollector>>;
let shop: Awaited<ReturnType<typeof startShop>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engagekit-e2e-'));
  collector = await startCollector({ dataDir: dir, log: () => undefined });
  shop = await startShop({ collectorUrl: collector.url, log: () => undefined });
});
afterAll(async () => {
  await shop?.close();
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One visitor: a browser of its own (a new anonymous id), on the store's simulated clock. */
async function visitor(run: (page: import('playwright-core').Page) => Promise<unknown>): Promise<void> {
  const b = await launch();
  try {
    await installClock(b.context);
    const page = await b.context.newPage();
    page.setDefaultTimeout(15_000);
    await run(page);
  } finally {
    await b.close();
  }
}

// The columns this test reads of two of /api/metrics' tables (all columns: report/metrics.mjs).
type FormRow = { form: string; started: number; submitted: number; abandoned: number };
type FormFieldRow = { form: string; field: string; abandons: number };
type CohortRow = { cohort: string; visitors: number; w0: number | null };
type CustomerRow = { customer: string; orders: number; revenue: number };
type Metrics = {
  summary: Record<string, number>;
  tables: { forms: FormRow[]; formFields: FormFieldRow[]; retention: CohortRow[]; customers: CustomerRow[] };
};
const metrics = async (): Promise<Metrics> => (await fetch(collector.url + '/api/metrics')).json();

it("four scripted visits: the report's sessions, bounce rate, pages per visit, cart and form abandonment and revenue equal the hand count", async () => {
  const url = shop.url;
  // 1. A bounce: '/', 4 s, gone.                                             1 page view
  await visitor((p) => bounce(p, url, { path: '/', seconds: 4 }));
  // 2. A browser: '/', the T-shirt, the journal, 12 s each.                  3 page views
  await visitor((p) => browse(p, url, { paths: ['/', '/products/t-shirt', '/blogs/journal'], seconds: 12 }));
  // 3. A checkout abandoner: '/', the tote's page (added), '/cart', '/checkout',
  //    fills email, full_name, address and leaves.                            4 page views
  await visitor((p) =>
    abandonCheckout(p, url, ['email', 'full_name', 'address'], { items: [{ handle: 'canvas-tote' }] }),
  );
  // 4. A buyer: '/', the T-shirt's page (2 added, 42 € each), '/cart', '/checkout',
  //    '/checkout/payment', '/checkout/thank-you': an order of 84 €.          6 page views
  await visitor((p) => buy(p, url, [{ handle: 't-shirt', quantity: 2 }]));

  // Delivery takes a moment after the last page is left (keepalive requests): wait, bounded.
  let m = await metrics();
  for (
    let i = 0;
    i < 100 &&
    !(m.summary.sessions == 4 && m.summary.orders == 1 && m.summary.pageviews == 14 && m.tables.formFields?.length);
    i++
  ) {
    await new Promise((r) => setTimeout(r, 200));
    m = await metrics();
  }
  const s = m.summary;
  expect(s.visitors).toBe(4);
  expect(s.sessions).toBe(4);
  expect(s.pageviews).toBe(14); // 1 + 3 + 4 + 6
  expect(s.pagesPerVisit).toBeCloseTo(14 / 4, 5);
  expect(s.bounces).toBe(1); // only visitor 1: one page, under 10 s engaged, no key event
  expect(s.bounceRate).toBeCloseTo(1 / 4, 5);
  expect(s.cartSessions).toBe(2); // visitors 3 and 4
  expect(s.abandonedCartSessions).toBe(1); // visitor 3
  expect(s.cartAbandonmentRate).toBeCloseTo(1 / 2, 5);
  expect(s.checkoutStarts).toBe(2);
  expect(s.orders).toBe(1);
  expect(s.revenue).toBeCloseTo(84, 5);
  expect(s.averageOrderValue).toBeCloseTo(84, 5);
  expect(s.conversionRate).toBeCloseTo(1 / 4, 5);
  expect(s.returningVisitors).toBe(0);

  // The checkout's first step: started by 3 and 4, submitted by 4, abandoned by 3 at `address`.
  const contact = m.tables.forms.find((f) => /checkout-contact/.test(f.form));
  expect(contact).toMatchObject({ started: 2, submitted: 1, abandoned: 1 });
  const payment = m.tables.forms.find((f) => /checkout-payment/.test(f.form));
  expect(payment).toMatchObject({ started: 1, submitted: 1, abandoned: 0 });
  expect(m.tables.formFields.filter((f) => /checkout-contact/.test(f.form)).map((f) => [f.field, f.abandons])).toEqual([
    ['address', 1],
  ]);
  // No add-to-cart form in the form funnel: those are Product Added.
  expect(m.tables.forms.some((f) => /cart\/add|product-form/.test(f.form))).toBe(false);

  // Customers: the buyer is the one customer, new, with one order; the four visitors are this
  // week's cohort (two, should the run cross midnight into a Monday), all active in week 0.
  expect(s.customers).toBe(1);
  expect(s.newCustomers).toBe(1);
  expect(s.purchaseFrequency).toBe(1);
  expect(m.tables.customers).toMatchObject([{ orders: 1, revenue: 84 }]);
  expect(m.tables.retention.reduce((n, r) => n + r.visitors, 0)).toBe(4);
  for (const cohort of m.tables.retention) expect(cohort.w0).toBe(1);
});
