/**
 * The GA4 bridge against pushes shaped as the plugins emit them: GTM setups and WooCommerce's and
 * Magento's GA4 modules push `{ event, ecommerce }` (after an `{ ecommerce: null }` that clears the
 * previous one, as Google's GTM e-commerce guide asks); Shopify's Google channel and gtag sites call
 * `gtag('event', name, parameters)`, which pushes its `arguments` object. Google Tag Manager's own
 * replacement of `dataLayer.push` is emulated from data-layer-helper's documented behaviour (it keeps
 * the previous push, calls it with the dataLayer as `this`, then processes the pushed states), loaded
 * before and after the bridge.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onGa4Commerce } from '../../../../src/capture/cart/onGa4Commerce';
import { onConsentMode } from '../../../../src/consent/consentMode';

type Win = { dataLayer?: unknown[]; gtag?: (...args: unknown[]) => void };
const win = window as unknown as Win;
let report: Mock<(event: string, properties: Record<string, unknown>) => void>;
const stops: (() => void)[] = [];

/** Google's gtag snippet: `function gtag(){dataLayer.push(arguments)}`. */
function gtag(..._args: unknown[]) {
  // eslint-disable-next-line prefer-rest-params -- gtag pushes its `arguments` object, as Google's snippet does
  win.dataLayer!.push(arguments);
}

/**
 * Google Tag Manager's replacement of `dataLayer.push`, as data-layer-helper documents it: the
 * previous push is kept and called with the dataLayer as `this`, then GTM processes what was pushed.
 */
function loadGtm(processed: unknown[]) {
  const layer = win.dataLayer!;
  processed.push(...layer);
  const previousPush = layer.push;
  layer.push = function (...states: unknown[]) {
    const result = previousPush.apply(layer, states);
    processed.push(...states);
    return result;
  };
}

const start = () => stops.push(onGa4Commerce(report));

beforeEach(() => {
  report = vi.fn();
  win.dataLayer = [];
});
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
  delete win.dataLayer;
});

const wooAdd = {
  event: 'add_to_cart',
  ecommerce: {
    currency: 'EUR',
    value: 18,
    items: [
      {
        item_id: '55',
        item_name: 'Beanie',
        item_brand: 'Woo',
        item_category: 'Accessories',
        item_variant: 'red',
        price: 18,
        quantity: 1,
        index: 0,
      },
    ],
  },
};

describe('onGa4Commerce', () => {
  it('maps a GTM add_to_cart (WooCommerce GA4 plugin shape) to Product Added, per item', () => {
    win.dataLayer!.push({ ecommerce: null }, wooAdd);
    start();
    expect(report.mock.calls).toEqual([
      [
        'Product Added',
        {
          product_id: '55',
          variant: 'red',
          name: 'Beanie',
          brand: 'Woo',
          category: 'Accessories',
          price: 18,
          quantity: 1,
          currency: 'EUR',
        },
      ],
    ]);
  });

  it('maps every GA4 e-commerce event to its Segment event, gtag and GTM shapes alike', () => {
    start();
    const items = [{ item_id: 'SKU-1', price: '10.00', quantity: '2' }];
    const product = { product_id: 'SKU-1', price: 10, quantity: 2 };
    gtag('event', 'view_item', { currency: 'USD', value: 10, items });
    gtag('event', 'view_item_list', { item_list_id: 'related', item_list_name: 'Related', items });
    gtag('event', 'remove_from_cart', { currency: 'USD', items });
    win.dataLayer!.push({ event: 'view_cart', ecommerce: { currency: 'USD', value: 20, items } });
    win.dataLayer!.push({ event: 'begin_checkout', ecommerce: { currency: 'USD', value: 20, coupon: 'X', items } });
    gtag('event', 'add_shipping_info', { currency: 'USD', value: 20, shipping_tier: 'Ground', items });
    gtag('event', 'add_payment_info', { currency: 'USD', value: 20, payment_type: 'Credit Card', items });
    // Magento's GA4 module sends amounts as strings.
    win.dataLayer!.push({
      event: 'purchase',
      ecommerce: { transaction_id: '000000012', value: '20.00', tax: '1.60', shipping: '5', currency: 'USD', items },
    });
    gtag('event', 'refund', { transaction_id: 'T-9', value: 20, currency: 'USD', items });
    const byEvent = Object.fromEntries(
      report.mock.calls.map(([event, properties]) => [event, JSON.parse(JSON.stringify(properties))]),
    );
    expect(Object.keys(byEvent)).toEqual([
      'Product Viewed',
      'Product List Viewed',
      'Product Removed',
      'Cart Viewed',
      'Checkout Started',
      'Checkout Step Completed',
      'Payment Info Entered',
      'Order Completed',
      'Order Refunded',
    ]);
    expect(byEvent['Product Viewed']).toEqual({ ...product, currency: 'USD' });
    expect(byEvent['Product List Viewed']).toEqual({ list_id: 'related', category: 'Related', products: [product] });
    expect(byEvent['Product Removed']).toEqual({ ...product, currency: 'USD' });
    expect(byEvent['Cart Viewed']).toEqual({ value: 20, currency: 'USD', products: [product] });
    expect(byEvent['Checkout Started']).toEqual({ value: 20, coupon: 'X', currency: 'USD', products: [product] });
    expect(byEvent['Checkout Step Completed']).toEqual({
      value: 20,
      currency: 'USD',
      shipping_method: 'Ground',
      step: 3,
      products: [product],
    });
    expect(byEvent['Payment Info Entered']).toMatchObject({ payment_method: 'Credit Card', step: 4 });
    expect(byEvent['Order Completed']).toEqual({
      order_id: '000000012',
      value: 20,
      revenue: 20,
      total: 26.6,
      tax: 1.6,
      shipping: 5,
      currency: 'USD',
      products: [product],
    });
    expect(byEvent['Order Refunded']).toEqual({
      order_id: 'T-9',
      value: 20,
      total: 20,
      currency: 'USD',
      products: [product],
    });
  });

  it("Shopify's Google channel item ids and a multi-item add: one Product Added per item", () => {
    start();
    gtag('event', 'add_to_cart', {
      currency: 'CAD',
      value: 45,
      items: [
        { item_id: 'shopify_CA_7012_4101', item_name: 'Tee', item_variant: 'Red / M', price: 15, quantity: 1 },
        { item_id: 'shopify_CA_7013_4201', item_name: 'Cap', price: 30, quantity: 1 },
      ],
    });
    expect(report.mock.calls.map(([event, p]) => [event, p.product_id, p.variant])).toEqual([
      ['Product Added', 'shopify_CA_7012_4101', 'Red / M'],
      ['Product Added', 'shopify_CA_7013_4201', undefined],
    ]);
  });

  it('GTM loaded before us: its push is called once per push, it still sees every entry, and stop restores it', () => {
    const gtmSaw: unknown[] = [];
    loadGtm(gtmSaw);
    const gtmPush = win.dataLayer!.push;
    start();
    win.dataLayer!.push(wooAdd);
    expect(gtmSaw).toEqual([wooAdd]);
    expect([...win.dataLayer!]).toEqual([wooAdd]);
    expect(report).toHaveBeenCalledTimes(1);
    stops.splice(0).forEach((stop) => stop());
    expect(win.dataLayer!.push).toBe(gtmPush);
  });

  it('GTM loaded after us: its wrapper calls ours; after our stop ours only passes pushes on', () => {
    start();
    const gtmSaw: unknown[] = [];
    loadGtm(gtmSaw);
    win.dataLayer!.push(wooAdd);
    expect(gtmSaw).toEqual([wooAdd]);
    expect([...win.dataLayer!]).toEqual([wooAdd]);
    expect(report).toHaveBeenCalledTimes(1);
    stops.splice(0).forEach((stop) => stop());
    win.dataLayer!.push(wooAdd);
    expect(win.dataLayer).toHaveLength(2);
    expect(gtmSaw).toHaveLength(2);
    expect(report).toHaveBeenCalledTimes(1);
  });

  it('shares one wrapper of push with Consent Mode: push is wrapped once, and restored when both stop', () => {
    const consent = vi.fn();
    const arrayPush = win.dataLayer!.push;
    start();
    const wrapped = win.dataLayer!.push;
    stops.push(onConsentMode(consent));
    expect(win.dataLayer!.push).toBe(wrapped);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    win.dataLayer!.push(wooAdd);
    expect(consent).toHaveBeenCalledWith('granted', false);
    expect(report).toHaveBeenCalledTimes(1);
    stops.shift()!();
    expect(win.dataLayer!.push).toBe(wrapped);
    stops.shift()!();
    expect(win.dataLayer!.push).toBe(arrayPush);
    expect(Object.prototype.hasOwnProperty.call(win.dataLayer, 'push')).toBe(false);
  });

  it('finds a dataLayer made after it started', async () => {
    vi.useFakeTimers();
    try {
      delete win.dataLayer;
      start();
      win.dataLayer = [wooAdd];
      await vi.advanceTimersByTimeAsync(300);
      win.dataLayer.push(wooAdd);
      expect(report).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ignores other and hostile entries without throwing, and reads the good ones after them', () => {
    start();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    const entries = [
      null,
      7,
      'add_to_cart',
      hostile,
      { event: 'gtm.js' },
      { event: 'constructor' },
      { event: 'add_to_cart' },
      { event: 'add_to_cart', ecommerce: { items: 'nope' } },
      { event: 'purchase', ecommerce: hostile },
      ['event', 'purchase', null],
    ];
    for (const entry of entries) expect(() => win.dataLayer!.push(entry)).not.toThrow();
    win.dataLayer!.push(wooAdd);
    expect(report.mock.calls.map(([event]) => event)).toEqual(['Product Added', 'Order Completed', 'Product Added']);
  });
});
