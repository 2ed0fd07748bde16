/**
 * The demo store (examples/shop) as engagekit sees it through its script tag alone: exact visits
 * scripted with the persona functions of examples/shop/traffic.mjs (the ones `npm run
 * demo:traffic` runs), in real Chromium, against the recording collector. Each visitor has a
 * fresh browser profile; the browser stays open until the collector has what the visitor's last
 * page sent on leaving.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Collector, type Received, named } from './support/collector';
import { launch } from './support/browser';
import { startShop } from '../../examples/shop/server.mjs';
import { abandonCheckout, bounce, buy, makeCustomer, random, spaVisit } from '../../examples/shop/traffic.mjs';

const collector = new Collector();
let shop: { url: string; close: () => Promise<void> };
/** Every request body of every visit, for the privacy check at the end. */
const bodies: unknown[] = [];
/** Everything typed into the store by the visits below. */
const typed: string[] = [];

beforeAll(async () => {
  await collector.up();
  shop = await startShop({ collectorUrl: `http://127.0.0.1:${collector.port}` });
});
afterAll(async () => {
  await shop?.close();
  await collector.close();
});
// One visitor per test: what the collector holds is that visitor's.
beforeEach(() => {
  bodies.push(...collector.requests.map((r) => r.body));
  collector.reset();
});

type Props = Record<string, unknown>;
const props = (event: string): Props[] => collector.stored(named(event)).map((m) => m.properties as Props);
const paths = () => collector.stored((m) => m.type === 'page').map((m) => (m.properties as Props).path);
const finalEngagement = (m: Received) => m.event === 'Page Engagement' && (m.properties as Props).final === true;

/**
 * Run one visitor's script in a browser of its own, then wait until each of its `pageViews` has
 * ended (a final Page Engagement, sent as the page went) before closing the browser.
 */
async function visit<T>(pageViews: number, script: (page: Page) => Promise<T>): Promise<T> {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const result = await script(page);
    await collector.waitFor(pageViews, finalEngagement, 20_000);
    return result;
  } finally {
    await browser.close();
  }
}

describe('the demo store, through the script tag only', () => {
  it('a bounce from a search ad: one page view, the campaign and referrer on the session, nothing else', async () => {
    await visit(1, (page) =>
      bounce(page, shop.url, {
        path: '/products/rain-jacket',
        from: { referrer: 'https://www.google.com/', utm: { source: 'google', medium: 'cpc', campaign: 'brand' } },
      }),
    );
    expect(paths()).toEqual(['/products/rain-jacket']);
    const [session] = props('Session Started');
    expect(session).toMatchObject({
      landing_path: '/products/rain-jacket',
      referrer: 'https://www.google.com/',
      source: 'google',
      medium: 'cpc',
      name: 'brand',
    });
    expect(props('Session Started')).toHaveLength(1);
    for (const e of [
      'Cart Started',
      'Product Added',
      'Checkout Started',
      'Form Started',
      'Form Submitted',
      'Form Abandoned',
      'Order Completed',
    ])
      expect(props(e)).toEqual([]);
    expect(props('Page Engagement').filter((p) => p.final)).toEqual([
      expect.objectContaining({ path: '/products/rain-jacket' }),
    ]);
  });

  it('a buyer: cart started, the product added with variant and quantity, checkout, both steps submitted, the order with its revenue, a newsletter sign-up', async () => {
    const customer = makeCustomer(random('buyer'));
    typed.push(
      customer.email,
      customer.full_name,
      customer.address,
      customer.card_number,
      customer.card_number.replace(/ /g, ''),
      customer.expiry,
    );
    const order = await visit(7, (page) =>
      buy(page, shop.url, [{ handle: 't-shirt', size: 'M', quantity: 2 }], { customer, newsletter: true }),
    );
    expect(order).toMatch(/^\d+-\w+$/);
    expect(paths()).toEqual([
      '/',
      '/products/t-shirt',
      '/cart',
      '/checkout',
      '/checkout/payment',
      '/checkout/thank-you',
      '/newsletter/thanks',
    ]);
    expect(new Set(collector.stored().map((m) => m.context.session.id)).size).toBe(1);

    // Cart Started, then Product Added: detected from the theme's own POST to /cart/add.js.
    const tracks = collector.stored((m) => m.type === 'track').map((m) => m.event);
    expect(tracks.indexOf('Cart Started')).toBeGreaterThanOrEqual(0);
    expect(tracks.indexOf('Cart Started')).toBeLessThan(tracks.indexOf('Product Added'));
    expect(props('Cart Started')).toEqual([expect.objectContaining({ source: 'shopify' })]);
    // Shopify's add-to-cart names only the variant (the `id` field), so it is the product too.
    expect(props('Product Added')).toEqual([{ product_id: '40012', variant: '40012', quantity: 2, source: 'shopify' }]);

    // Two checkout pages, one checkout.
    expect(props('Checkout Started')).toHaveLength(1);
    const submitted = props('Form Submitted');
    expect(submitted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          form_id: 'checkout-contact',
          form_name: 'contact',
          action_path: '/checkout',
          field_count: 5,
          fields_touched: 5,
          last_field: 'country',
          invalid_count: 0,
        }),
        expect.objectContaining({
          form_id: 'checkout-payment',
          form_name: 'payment',
          action_path: '/checkout/payment',
          field_count: 3,
          fields_touched: 3,
          last_field: 'expiry',
        }),
        expect.objectContaining({
          form_id: 'newsletter',
          action_path: '/newsletter',
          fields_touched: 1,
          last_field: 'email',
        }),
      ]),
    );
    expect(props('Form Abandoned')).toEqual([]);

    // The thank-you page's schema.org Order, read by engagekit.
    expect(props('Order Completed')).toEqual([
      {
        order_id: order,
        total: 84,
        revenue: 84,
        currency: 'EUR',
        products: [{ product_id: 'TEE-M', sku: 'TEE-M', name: 'T-shirt', quantity: 2, price: 42 }],
      },
    ]);
  });

  it('a checkout abandoner who stops at the address: Checkout Started, then Form Abandoned with last_field "address"', async () => {
    const customer = makeCustomer(random('abandoner'));
    typed.push(customer.email, customer.full_name, customer.address);
    await visit(4, (page) =>
      abandonCheckout(page, shop.url, ['email', 'full_name', 'address'], {
        items: [{ handle: 'canvas-tote' }],
        customer,
      }),
    );
    expect(paths()).toEqual(['/', '/products/canvas-tote', '/cart', '/checkout']);
    expect(props('Product Added')).toEqual([
      expect.objectContaining({ product_id: '40061', quantity: 1, source: 'shopify' }),
    ]);
    expect(props('Checkout Started')).toHaveLength(1);
    expect(props('Form Started')).toContainEqual(
      expect.objectContaining({ form_id: 'checkout-contact', fields_touched: 1, last_field: 'email' }),
    );
    expect(props('Form Abandoned')).toEqual([
      expect.objectContaining({
        form_id: 'checkout-contact',
        field_count: 5,
        fields_touched: 3,
        last_field: 'address',
      }),
    ]);
    expect(props('Form Submitted').filter((p) => p.form_id === 'checkout-contact')).toEqual([]);
    expect(props('Order Completed')).toEqual([]);
  });

  it('a single-page-app visitor: a page view per route (back too), the same cart detection', async () => {
    await visit(4, (page) => spaVisit(page, shop.url, { items: [{ handle: 'ceramic-mug', quantity: 2 }], back: true }));
    expect(paths()).toEqual(['/spa/', '/spa/products/ceramic-mug', '/spa/cart', '/spa/products/ceramic-mug']);
    const views = collector.stored((m) => m.type === 'page');
    // The app sets the title before pushState, so those page views carry the new one. On back,
    // the browser changes the URL before any listener runs, and engagekit (listening first)
    // records the view before the app re-titles the page: that title is not checked.
    expect(views.slice(0, 3).map((m) => (m.properties as Props).title)).toEqual([
      'Shop · Harbor & Pine',
      'Ceramic mug · Harbor & Pine',
      'Your cart · Harbor & Pine',
    ]);
    expect(new Set(views.map((m) => m.context.session.id)).size).toBe(1);
    expect(props('Cart Started')).toHaveLength(1);
    expect(props('Product Added')).toEqual([{ product_id: '40071', variant: '40071', quantity: 2, source: 'shopify' }]);
    expect(
      props('Page Engagement')
        .filter((p) => p.final)
        .map((p) => p.path),
    ).toEqual(['/spa/', '/spa/products/ceramic-mug', '/spa/cart', '/spa/products/ceramic-mug']);
  });

  it('no value typed in the store reached the collector', () => {
    bodies.push(...collector.requests.map((r) => r.body));
    const everything = JSON.stringify(bodies);
    expect(bodies.length).toBeGreaterThan(10);
    expect(typed.length).toBeGreaterThan(5);
    for (const value of typed) {
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(encodeURIComponent(value));
    }
  });
});
