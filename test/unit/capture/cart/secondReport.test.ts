/**
 * Pairing a detector's report with the site's GA4 dataLayer report of the same add (or view, or
 * order): each report pairs with at most one of the other kind, by shared id within 30 s, else by
 * time within 3 s.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Module = typeof import('../../../../src/capture/cart/secondReport');
let secondReport: Module['secondReport'];
beforeEach(async () => {
  // The module keeps this page's reports: a fresh page per test.
  vi.resetModules();
  ({ secondReport } = await import('../../../../src/capture/cart/secondReport'));
});

const T = 1_000_000;

describe('secondReport', () => {
  it('a detector add and a dataLayer add of the same product are one, in either order', () => {
    expect(secondReport('Product Added', { product_id: '4002' }, false, T)).toBe(false);
    expect(secondReport('Product Added', { product_id: 'shopify_US_7012_4002' }, true, T + 20_000)).toBe(true);
    expect(secondReport('Product Added', { product_id: 'woo-beanie' }, true, T + 40_000)).toBe(false);
    expect(secondReport('Product Added', { product_id: '55', variant: '56' }, false, T + 41_000)).toBe(true);
  });

  it('two adds of the same item seen by both are two adds (four reports, paired one to one)', () => {
    const reports = [
      secondReport('Product Added', { product_id: 'A' }, true, T),
      secondReport('Product Added', { product_id: 'A' }, false, T + 100),
      secondReport('Product Added', { product_id: 'A' }, true, T + 1000),
      secondReport('Product Added', { product_id: 'A' }, false, T + 1100),
    ];
    expect(reports).toEqual([false, true, false, true]);
  });

  it('reports of one kind never pair with each other; other events, ids and old reports do not pair', () => {
    expect(secondReport('Product Added', { product_id: 'A' }, false, T)).toBe(false);
    expect(secondReport('Product Added', { product_id: 'A' }, false, T + 10)).toBe(false);
    expect(secondReport('Product Viewed', { product_id: 'A' }, true, T + 20)).toBe(false);
    // Different ids, 5 s apart: two adds.
    expect(secondReport('Product Added', { product_id: 'B' }, true, T + 5000)).toBe(false);
    expect(secondReport('Product Added', { product_id: 'C' }, true, T + 9000)).toBe(false);
    // Past 30 s nothing pairs (C was reported 31 s before).
    expect(secondReport('Product Added', { product_id: 'C' }, false, T + 40_000)).toBe(false);
  });

  it('an order detected on a thank-you page without an id and the dataLayer purchase are one order', () => {
    expect(secondReport('Order Completed', { total: 30 }, true, T)).toBe(false);
    expect(secondReport('Order Completed', {}, false, T + 500)).toBe(true);
  });
});
