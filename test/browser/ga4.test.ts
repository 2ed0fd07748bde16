/**
 * The GA4 bridge in real Chromium with nothing but the script tag: pushes shaped as the plugins emit
 * them, Google Tag Manager's replacement of `dataLayer.push` emulated from data-layer-helper's
 * documented behaviour (keep the previous push, call it with the dataLayer as `this`, then process
 * the pushed states), loaded before engagekit and after it; one add seen both by the Shopify
 * detector and on dataLayer is one Product Added after one Cart Started; `data-datalayer="false"`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, named, tracks } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300', 'web-vitals': 'false', engagement: 'false' });
let browser: { context: BrowserContext; close: () => Promise<void> };

/** gtag's snippet and an emulated GTM container (`loadGtm()`), which records what it processed in `gtmSaw`. */
const GOOGLE = `<script>
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
function loadGtm() {
  var layer = window.dataLayer, previousPush = layer.push;
  window.gtmSaw = [].slice.call(layer);
  layer.push = function () {
    var states = [].slice.call(arguments, 0);
    var result = previousPush.apply(layer, states);
    gtmSaw.push.apply(gtmSaw, states);
    return result;
  };
}
</script>`;

beforeAll(async () => {
  await collector.up();
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

describe('GA4 bridge', () => {
  it("Shopify: a quick add seen by the detector and by the Google channel's gtag is one Product Added; two adds are two", async () => {
    site.bodies['/shopify/collection'] = `${GOOGLE}
      <script>loadGtm();</script>
      <button id="add" onclick="
        gtag('event', 'add_to_cart', { currency: 'USD', value: 15, items: [{ item_id: 'shopify_US_7012_4002', item_name: 'Tee', item_variant: 'Red', price: 15, quantity: 1 }] });
        fetch('/cart/add.js', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ items: [{ id: 4002, quantity: 1 }] }) });
      ">Quick add</button>`;
    const page = await openTracked(browser.context, site.url('/shopify/collection'));
    await page.click('#add');
    await page.click('#add');
    const adds = await collector.waitFor(2, named('Product Added'));
    await page.evaluate(() =>
      (window as unknown as { engagekit: (m: string, e: string) => void }).engagekit('track', 'Marker'),
    );
    await collector.waitFor(1, named('Marker'));
    expect(collector.stored(named('Product Added'))).toHaveLength(2);
    expect(collector.stored(named('Cart Started'))).toHaveLength(1);
    // The first report wins: the gtag push comes before the request is answered.
    expect(adds[0].properties).toMatchObject({ product_id: 'shopify_US_7012_4002', name: 'Tee', source: 'datalayer' });
    // GTM (loaded before or after us) still saw both pushes, once each.
    expect(await page.evaluate(() => (window as unknown as { gtmSaw: unknown[] }).gtmSaw.length)).toBe(2);
  });

  it('WooCommerce: the GA4 plugin pushes with a SKU as item_id before the AJAX add; one Product Added', async () => {
    site.bodies['/woo/shop'] = `${GOOGLE}
      <a href="?add-to-cart=55" data-product_id="55" class="button add_to_cart_button ajax_add_to_cart" id="add">Add</a>
      <script>document.getElementById('add').onclick = function (e) {
        e.preventDefault();
        dataLayer.push({ ecommerce: null });
        dataLayer.push({ event: 'add_to_cart', ecommerce: { currency: 'EUR', value: 18, items: [{ item_id: 'woo-beanie', item_name: 'Beanie', price: 18, quantity: 1 }] } });
        var x = new XMLHttpRequest(); x.open('POST', '/?wc-ajax=add_to_cart');
        x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded'); x.send('product_sku=&product_id=55&quantity=1');
      };</script>`;
    const page = await openTracked(browser.context, site.url('/woo/shop'));
    // A new visitor's cart (the Shopify test's cart is in this browser's storage).
    await page.evaluate(() => localStorage.removeItem('engagekit:v1:cart'));
    await page.click('#add');
    await collector.waitFor(1, named('Product Added'));
    await page.evaluate(() =>
      (window as unknown as { engagekit: (m: string, e: string) => void }).engagekit('track', 'Marker'),
    );
    await collector.waitFor(1, named('Marker'));
    expect(collector.stored(named('Product Added'))).toHaveLength(1);
    expect(collector.stored(named('Cart Started'))).toHaveLength(1);
  });

  it('GTM loaded after engagekit: the history and later pushes become the funnel, the purchase one Order Completed', async () => {
    site.bodies['/magento/success'] = `${GOOGLE}
      <script>dataLayer.push({ event: 'view_item', ecommerce: { currency: 'USD', items: [{ item_id: 'MH01', item_name: 'Hoodie', price: '52.00' }] } });</script>`;
    const page = await openTracked(browser.context, site.url('/magento/success'));
    await page.evaluate(() => {
      const win = window as unknown as { loadGtm: () => void; dataLayer: unknown[] };
      win.loadGtm();
      win.dataLayer.push({
        event: 'begin_checkout',
        ecommerce: { currency: 'USD', value: '52.00', items: [{ item_id: 'MH01', quantity: 1 }] },
      });
      win.dataLayer.push({ ecommerce: null });
      win.dataLayer.push({
        event: 'purchase',
        ecommerce: {
          transaction_id: '000000012',
          value: '52.00',
          tax: '4.29',
          shipping: '5.00',
          currency: 'USD',
          items: [{ item_id: 'MH01', item_name: 'Hoodie', price: '52.00', quantity: '1' }],
        },
      });
      // A second copy of the same purchase (a reload, a second tag): still one order.
      win.dataLayer.push({ event: 'purchase', ecommerce: { transaction_id: '000000012', value: '52.00' } });
    });
    const [order] = await collector.waitFor(1, named('Order Completed'));
    await collector.waitFor(1, named('Checkout Started'));
    const [viewed] = await collector.waitFor(1, named('Product Viewed'));
    expect(viewed.properties).toMatchObject({ product_id: 'MH01', name: 'Hoodie', price: 52, currency: 'USD' });
    expect(order.properties).toMatchObject({
      order_id: '000000012',
      revenue: 52,
      total: 61.29,
      tax: 4.29,
      shipping: 5,
      currency: 'USD',
      products: [{ product_id: 'MH01', name: 'Hoodie', price: 52, quantity: 1 }],
    });
    await page.evaluate(() =>
      (window as unknown as { engagekit: (m: string, e: string) => void }).engagekit('track', 'Marker'),
    );
    await collector.waitFor(1, named('Marker'));
    expect(collector.stored(named('Order Completed'))).toHaveLength(1);
    expect(await page.evaluate(() => (window as unknown as { gtmSaw: unknown[] }).gtmSaw.length)).toBe(5);
  });

  it('data-datalayer="false": nothing is read from dataLayer, and push is left as it was', async () => {
    site.bodies['/off'] = `${GOOGLE}<script>gtag('event', 'view_item', { items: [{ item_id: 'A' }] });</script>`;
    const page = await openTracked(browser.context, site.url('/off', { datalayer: 'false' }));
    const pushIsOwn = await page.evaluate(() => {
      const win = window as unknown as { dataLayer: unknown[]; gtag: (...a: unknown[]) => void };
      win.gtag('event', 'add_to_cart', { items: [{ item_id: 'A' }] });
      (window as unknown as { engagekit: (m: string, e: string) => void }).engagekit('track', 'Marker');
      return Object.prototype.hasOwnProperty.call(win.dataLayer, 'push');
    });
    await collector.waitFor(1, named('Marker'));
    expect(pushIsOwn).toBe(false);
    expect(collector.stored(tracks('Product'))).toHaveLength(0);
  });
});
