/**
 * engagekit's Shopify pixel (dist/engagekit-shopify-pixel.min.js) in an emulated Shopify checkout
 * (support/shopifyCheckout.ts: a sandboxed iframe without allow-same-origin, the Web Pixels API's
 * analytics, browser and init, Shopify's documented event payloads), and one visit joined across the
 * storefront (engagekit.min.js on a Shopify page) and the checkout, from landing page to order.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, named, pages } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';
import { checkoutPayload, ShopifyCheckout, TEE_VARIANT } from './support/shopifyCheckout';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300', 'web-vitals': 'false', engagement: 'false' });
const checkout = new ShopifyCheckout(() => collector.url);
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  await collector.up();
  await site.start();
  checkout.mount(site);
  // A Shopify storefront page: Shopify's global (content_for_header defines it) before engagekit.
  site.heads['/products/tee'] =
    '<script>window.Shopify = window.Shopify || { shop: "test-shop.myshopify.com" };</script>';
  site.heads['/collections/all'] = site.heads['/products/tee'];
  site.bodies['/products/tee'] =
    `<button id="add" onclick="fetch('/cart/add.js', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ items: [{ id: 4002, quantity: 2 }] }) })">Add to cart</button>
    <a id="checkout" href="/checkouts/cn/c1-8f2a">Check out</a>`;
});
afterAll(async () => {
  await collector.close();
  await site.close();
});
beforeEach(() => {
  collector.reset();
  checkout.probes.length = 0;
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

/** Publish a Shopify standard event on the checkout page (see support/shopifyCheckout.ts). */
const publish = (page: Page, name: string, data: Record<string, unknown> = {}) =>
  page.evaluate(
    ([eventName, eventData]) =>
      (window as unknown as { publish: (n: string, d: unknown) => Promise<void> }).publish(eventName, eventData),
    [name, data] as const,
  );

describe('Shopify pixel', () => {
  it('one visit from landing page to order: storefront and checkout share the anonymous id and session; the steps and the order arrive', async () => {
    browser = await launch();
    const storefront = await openTracked(browser.context, site.url('/products/tee'));
    await collector.waitFor(1, pages);
    await storefront.click('#add');
    await collector.waitFor(1, named('Product Added'));

    // The checkout: Shopify's pages, which run the pixel and nothing of the theme's.
    await storefront.click('#checkout');
    await storefront.waitForURL(/checkouts/);
    await publish(storefront, 'page_viewed');
    await publish(storefront, 'checkout_started', checkoutPayload());
    await publish(storefront, 'checkout_contact_info_submitted', checkoutPayload());
    await publish(storefront, 'checkout_address_info_submitted', checkoutPayload());
    await publish(storefront, 'checkout_shipping_info_submitted', checkoutPayload());
    await publish(storefront, 'payment_info_submitted', checkoutPayload());
    await collector.waitFor(1, named('Payment Info Entered'));
    // The thank-you page is a new page load (a new pixel frame): the visit goes on there too.
    await storefront.goto(site.url('/checkouts/cn/c1-8f2a/thank-you'));
    await publish(storefront, 'page_viewed');
    await publish(storefront, 'checkout_completed', checkoutPayload(true));
    const [order] = await collector.waitFor(1, named('Order Completed'));

    const all = collector.stored();
    // One visitor and one session, from the landing page to the order.
    expect(new Set(all.map((m) => m.anonymousId)).size).toBe(1);
    expect(new Set(all.map((m) => m.context.session.id)).size).toBe(1);
    expect(collector.stored(named('Session Started'))).toHaveLength(1);
    const views = collector.stored(pages);
    expect(views.map((m) => m.context.page.path)).toEqual([
      '/products/tee',
      '/checkouts/cn/c1-8f2a',
      '/checkouts/cn/c1-8f2a/thank-you',
    ]);
    expect(views.map((m) => m.context.session.pageCount)).toEqual([1, 2, 3]);
    // The pixel's events describe the shop's page, not the sandbox's.
    const started = collector.stored(named('Checkout Started'));
    expect(started).toHaveLength(1);
    expect(started[0].context.page.path).toBe('/checkouts/cn/c1-8f2a');
    expect(started[0].properties).toMatchObject({
      checkout_id: 'c1-8f2a',
      value: 44.9,
      currency: 'EUR',
      products: [
        { product_id: '7012', variant: '4002', sku: 'TEE-RED', name: 'Tee', brand: 'Acme', price: 20, quantity: 2 },
      ],
    });
    expect(collector.stored(named('Checkout Step Completed')).map((m) => m.properties?.step)).toEqual([1, 2, 3]);
    expect(collector.stored(named('Payment Info Entered'))[0].properties).toMatchObject({ step: 4 });
    expect(order.properties).toMatchObject({
      order_id: '5550001',
      checkout_id: 'c1-8f2a',
      total: 44.9,
      revenue: 40,
      tax: 7.6,
      shipping: 4.9,
      currency: 'EUR',
    });
    // The buyer's email, name and address are never read.
    const wire = JSON.stringify(collector.requests.map((r) => r.body));
    expect(wire).not.toContain('ada.lovelace');
    expect(wire).not.toContain('Lovelace');
    // The pixel's requests came from the sandbox's opaque origin.
    expect(collector.requests.some((r) => r.headers.origin === 'null')).toBe(true);
    // The emulation is faithful: in each pixel frame, localStorage, IndexedDB and cookies threw.
    expect(checkout.probes).toHaveLength(2);
    for (const probe of checkout.probes)
      expect(probe).toEqual({
        localStorage: 'SecurityError',
        indexedDB: 'SecurityError',
        cookie: 'SecurityError',
        origin: 'null',
      });

    // Back on the storefront after the order: the pixel emptied the storefront's cart, so the next add starts a new one.
    await openTracked(browser.context, site.url('/products/tee'), storefront);
    await storefront.click('#add');
    await collector.waitFor(2, named('Product Added'));
    expect(collector.stored(named('Cart Started'))).toHaveLength(2);
    expect(new Set(collector.stored().map((m) => m.context.session.id)).size).toBe(1);
  });

  it('a reload of the checkout is not a second Checkout Started, and with storefront: true the storefront events are mapped', async () => {
    browser = await launch();
    const storefrontCheckout = new ShopifyCheckout(() => collector.url, { storefront: true });
    storefrontCheckout.mount(site);
    try {
      const page = await browser.context.newPage();
      await page.goto(site.url('/checkouts/cn/c2-aa01'));
      await publish(page, 'page_viewed');
      await publish(page, 'product_viewed', { productVariant: TEE_VARIANT });
      await publish(page, 'product_added_to_cart', {
        cartLine: { cost: { totalAmount: { amount: 20, currencyCode: 'EUR' } }, merchandise: TEE_VARIANT, quantity: 1 },
      });
      await publish(page, 'cart_viewed', {
        cart: {
          id: 'cart-1',
          cost: { totalAmount: { amount: 20, currencyCode: 'EUR' } },
          lines: [
            { cost: { totalAmount: { amount: 20, currencyCode: 'EUR' } }, merchandise: TEE_VARIANT, quantity: 1 },
          ],
          totalQuantity: 1,
        },
      });
      await publish(page, 'checkout_started', checkoutPayload());
      await collector.waitFor(1, named('Checkout Started'));
      await page.reload();
      // The page view after it: events are handled and queued in order, so it arrives with or after a second one.
      await publish(page, 'checkout_started', checkoutPayload());
      await publish(page, 'page_viewed');
      await collector.waitFor(2, pages);
      expect(collector.stored(named('Product Viewed'))[0].properties).toMatchObject({
        product_id: '7012',
        variant: '4002',
        price: 20,
        currency: 'EUR',
      });
      expect(collector.stored(named('Product Added'))[0].properties).toMatchObject({ product_id: '7012', quantity: 1 });
      expect(collector.stored(named('Cart Started'))).toHaveLength(1);
      expect(collector.stored(named('Cart Viewed'))[0].properties).toMatchObject({ cart_id: 'cart-1', value: 20 });
      expect(collector.stored(named('Checkout Started'))).toHaveLength(1);
    } finally {
      checkout.mount(site);
    }
  });

  it("follows Shopify's customer privacy: without analytics consent events wait, and go once it is given", async () => {
    browser = await launch();
    const pendingCheckout = new ShopifyCheckout(() => collector.url, {}, false);
    pendingCheckout.mount(site);
    try {
      const page = await browser.context.newPage();
      await page.goto(site.url('/checkouts/cn/c3-bb02'));
      const collectConsent = (allowed: boolean) =>
        page.evaluate(
          (given) => (window as unknown as { collectConsent: (a: boolean) => Promise<void> }).collectConsent(given),
          allowed,
        );
      // Before any choice the page view waits in memory; a refusal discards it.
      await publish(page, 'page_viewed');
      await collectConsent(false);
      // The visitor changes their mind: what comes after the grant goes.
      await collectConsent(true);
      await publish(page, 'checkout_started', checkoutPayload());
      const [started] = await collector.waitFor(1, named('Checkout Started'));
      expect(started.context.page.path).toBe('/checkouts/cn/c3-bb02');
      // The page view never went: it waited, and the refusal discarded it.
      expect(collector.received.filter(pages)).toHaveLength(0);
    } finally {
      checkout.mount(site);
    }
  });
});
