/**
 * Cart, checkout and order capture with nothing but the script tag, on fixture pages written in
 * each platform's markup and request style (a product page and a listing page each).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, named } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300' });
let browser: { context: BrowserContext; close: () => Promise<void> };

/** Each fixture: its page body, how to add to cart there, and the item expected. */
const FIXTURES: Record<
  string,
  { body: string; act: (p: Page) => Promise<unknown>; expect: Record<string, unknown>; navigates?: boolean }
> = {
  // Shopify: a native locale-prefixed cart/add form post that navigates away, and the AJAX cart API.
  '/shopify/product': {
    body: `<form action="/fr/cart/add" method="post"><input type="hidden" name="id" value="4001"><input name="quantity" value="2"><button id="add">Ajouter</button></form>`,
    act: (p) => p.click('#add'),
    expect: { source: 'shopify', product_id: '4001', variant: '4001', quantity: 2 },
    navigates: true,
  },
  '/shopify/collection': {
    body: `<button id="add" onclick="fetch('/cart/add.js',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({items:[{id:4002,quantity:1}]})})">Quick add</button>`,
    act: (p) => p.click('#add'),
    expect: { source: 'shopify', product_id: '4002', quantity: 1 },
  },
  // WooCommerce: the shop page's AJAX button (jQuery XHR to wc-ajax=add_to_cart), and the single-product form.cart.
  '/woo/shop': {
    body: `<a href="?add-to-cart=55" data-product_id="55" data-quantity="1" class="button add_to_cart_button ajax_add_to_cart" id="add">Add</a>
      <script>document.getElementById('add').onclick = (e) => { e.preventDefault(); const x = new XMLHttpRequest(); x.open('POST', '/?wc-ajax=add_to_cart'); x.setRequestHeader('Content-Type','application/x-www-form-urlencoded'); x.send('product_sku=&product_id=55&quantity=1'); };</script>`,
    act: (p) => p.click('#add'),
    expect: { source: 'woocommerce', product_id: '55', quantity: 1 },
  },
  '/woo/product': {
    body: `<form class="cart" method="post" action="/woo/product"><input name="quantity" value="3"><button type="submit" name="add-to-cart" value="77" id="add">Add to cart</button></form>`,
    act: (p) => p.click('#add'),
    expect: { source: 'woocommerce', product_id: '77', quantity: 3 },
    navigates: true,
  },
  '/woo/blocks': {
    body: `<button id="add" onclick="fetch('/wp-json/wc/store/v1/cart/add-item',{method:'POST',body:JSON.stringify({id:88,quantity:1})})">Add</button>`,
    act: (p) => p.click('#add'),
    expect: { source: 'woocommerce', product_id: '88', quantity: 1 },
  },
  // Magento 2: the product form submitted by its widget as XHR (the native submit is cancelled), and a listing XHR.
  '/magento/product': {
    body: `<form id="product_addtocart_form" action="/checkout/cart/add/uenc/aHR0cA,,/product/12/" method="post"><input type="hidden" name="product" value="12"><input type="hidden" name="selected_configurable_option" value="1201"><input name="qty" value="1"><button id="add">Add to Cart</button></form>
      <script>const f = document.getElementById('product_addtocart_form'); f.addEventListener('submit', (e) => { e.preventDefault(); const x = new XMLHttpRequest(); x.open('POST', f.action); x.send(new FormData(f)); });</script>`,
    act: (p) => p.click('#add'),
    expect: { source: 'magento', product_id: '12', variant: '1201', quantity: 1 },
  },
  '/magento/category': {
    body: `<button id="add" onclick="const x=new XMLHttpRequest();x.open('POST','/checkout/cart/add/uenc/x/product/13/');const d=new FormData();d.append('product','13');d.append('qty','2');x.send(d)">Add</button>`,
    act: (p) => p.click('#add'),
    expect: { source: 'magento', product_id: '13', quantity: 2 },
  },
  // BigCommerce: the product form posted by the theme to /remote/v1/cart/add, and the storefront carts API.
  '/bigcommerce/product': {
    body: `<form data-cart-item-add action="/cart.php" method="post"><input type="hidden" name="product_id" value="21"><input name="qty[]" value="1"><button id="add">Add</button></form>
      <script>const f = document.querySelector('form'); f.addEventListener('submit', (e) => { e.preventDefault(); fetch('/remote/v1/cart/add', { method: 'POST', body: new FormData(f) }); });</script>`,
    act: (p) => p.click('#add'),
    expect: { source: 'bigcommerce', product_id: '21', quantity: 1 },
  },
  '/bigcommerce/category': {
    body: `<button id="add" onclick="fetch('/api/storefront/carts',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({lineItems:[{productId:22,quantity:2,variantId:220}]})})">Add</button>`,
    act: (p) => p.click('#add'),
    expect: { source: 'bigcommerce', product_id: '22', variant: '220', quantity: 2 },
  },
  // PrestaShop: the product form posted by its theme's JS to the cart page with add=1 in the body, and a listing request.
  '/prestashop/product': {
    body: `<form id="add-to-cart-or-refresh" action="/cart" method="post"><input type="hidden" name="id_product" value="31"><input type="hidden" name="id_product_attribute" value="5"><input name="qty" value="1"><button data-button-action="add-to-cart" id="add">Add</button></form>
      <script>const f = document.getElementById('add-to-cart-or-refresh'); f.addEventListener('submit', (e) => { e.preventDefault(); const b = new URLSearchParams(new FormData(f)); b.append('add', '1'); b.append('action', 'update'); fetch('/en/cart', { method: 'POST', body: b }); });</script>`,
    act: (p) => p.click('#add'),
    expect: { source: 'prestashop', product_id: '31', variant: '5', quantity: 1 },
  },
  '/prestashop/category': {
    body: `<button id="add" onclick="const x=new XMLHttpRequest();x.open('GET','/index.php?controller=cart&add=1&id_product=32&qty=1&token=t');x.send()">Add</button>`,
    act: (p) => p.click('#add'),
    expect: { source: 'prestashop', product_id: '32', quantity: 1 },
  },
};

beforeAll(async () => {
  // Shopify answers an accepted native post to /cart/add with a redirect to the cart (its refusal page stays at /cart/add).
  site.redirects['/fr/cart/add'] = '/fr/cart';
  await collector.up();
  for (const [path, f] of Object.entries(FIXTURES)) site.bodies[path] = f.body;
  site.bodies['/checkout/thank-you'] = `<h1>Thank you</h1><script type="application/ld+json">${JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'Order',
    orderNumber: '1001',
    price: '84.00',
    priceCurrency: 'EUR',
    customer: { email: 'ada@example.com' },
    acceptedOffer: [
      {
        '@type': 'Offer',
        itemOffered: { '@type': 'Product', sku: 'TEE-M', name: 'T-shirt' },
        price: '42.00',
        eligibleQuantity: { value: 2 },
      },
    ],
  })}</script>`;
  site.bodies['/declarative'] =
    `<button id="add" data-engagekit-event="Product Added" data-engagekit-prop-product_id="D1" data-engagekit-prop-price="9.5">Add</button>
    <form id="f" data-engagekit-event="Product Added" data-engagekit-prop-product_id="F1" onsubmit="event.preventDefault()"><input name="qty" value="1"><button id="f-add">Add</button></form>`;
  await site.start();
});
afterAll(async () => {
  await collector.close();
  await site.close();
});
// A fresh profile per test: carts, sessions and queued events live in the browser's storage, and
// a page closed at the end of one test may re-send (at least once) into the next one's collector.
beforeEach(async () => {
  browser = await launch();
  collector.reset();
});
afterEach(() => browser.close());

const props = (event: string) => collector.stored(named(event)).map((m) => m.properties as Record<string, unknown>);

describe('cart detection', () => {
  for (const [path, f] of Object.entries(FIXTURES)) {
    it(`${path}: Product Added from ${f.expect.source}'s own ${f.navigates ? 'form post (the page navigates away)' : 'request'}, once, after Cart Started`, async () => {
      const page = await openTracked(browser.context, site.url(path));
      await f.act(page);
      await collector.waitFor(1, named('Product Added'), 15_000);
      await collector.waitFor(1, named('Cart Started'), 15_000);
      if (!f.navigates)
        await page.evaluate(() =>
          (window as unknown as { engagekit: (m: string) => Promise<boolean> }).engagekit('flush'),
        );
      expect(props('Product Added')).toEqual([expect.objectContaining(f.expect)]);
      expect(props('Cart Started')).toHaveLength(1);
    });
  }

  it('a second add to the same cart starts no new cart; declarative buttons and forms and the cart.add helper count too', async () => {
    const page = await openTracked(browser.context, site.url('/declarative'));
    await page.click('#add');
    await page.click('[name=qty]'); // a click inside a declarative form is not its event: its submit is
    await page.evaluate(() =>
      (window as unknown as { engagekit: (m: string, p: unknown) => void }).engagekit('cart.add', {
        product_id: 'H1',
        quantity: 1,
        price: 20,
        currency: 'EUR',
      }),
    );
    await page.click('#f-add');
    await collector.waitFor(3, named('Product Added'));
    expect(props('Product Added')).toEqual([
      { product_id: 'D1', price: '9.5', source: 'markup' },
      { product_id: 'H1', quantity: 1, price: 20, currency: 'EUR', source: 'api' },
      { product_id: 'F1', source: 'markup' },
    ]);
    expect(props('Cart Started')).toHaveLength(1);
  });
});

describe('checkout and orders', () => {
  it('checkout pages start a checkout once, a thank-you page completes the order once, and the next add starts a new cart', async () => {
    const page = await openTracked(browser.context, site.url('/shopify/collection'));
    await page.click('#add');
    await openTracked(browser.context, site.url('/checkout/'), page);
    await openTracked(browser.context, site.url('/checkout/'), page);
    await openTracked(browser.context, site.url('/checkout/order-received/999/'), page);
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1);
    await openTracked(browser.context, site.url('/shopify/collection'), page);
    await page.click('#add');
    await collector.waitFor(2, named('Cart Started'), 15_000);
    expect(props('Checkout Started')).toHaveLength(1);
    expect(props('Order Completed')).toEqual([{ order_id: '999' }]);
    expect(
      collector
        .stored((m) => /Cart Started|Product Added|Checkout Started|Order Completed/.test(String(m.event)))
        .map((m) => m.event),
    ).toEqual([
      'Cart Started',
      'Product Added',
      'Checkout Started',
      'Order Completed',
      'Cart Started',
      'Product Added',
    ]);
  });

  it('order.complete and checkout.start helpers for sites that cannot be detected', async () => {
    const page = await openTracked(browser.context, site.url('/custom-shop'));
    await page.evaluate(() => {
      const ek = (window as unknown as { engagekit: (m: string, p?: unknown) => void }).engagekit;
      ek('checkout.start', { value: 42 });
      ek('order.complete', {
        order_id: 'A-1',
        total: 42,
        revenue: 40,
        currency: 'EUR',
        products: [{ product_id: 'P', quantity: 1 }],
      });
      ek('order.complete', { order_id: 'A-1', total: 42 });
    });
    await collector.waitFor(1, named('Order Completed'));
    expect(props('Checkout Started')).toEqual([{ value: 42 }]);
    expect(props('Order Completed')).toEqual([
      { order_id: 'A-1', total: 42, revenue: 40, currency: 'EUR', products: [{ product_id: 'P', quantity: 1 }] },
    ]);
  });

  it("a thank-you page's schema.org Order (JSON-LD) gives the order's id, revenue and items; a reload is not a second order", async () => {
    const page = await openTracked(browser.context, site.url('/checkout/thank-you'));
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1);
    await collector.waitFor(2, (m) => m.type === 'page');
    await collector.waitFor(1, named('Order Completed'));
    expect(props('Order Completed')).toEqual([
      {
        order_id: '1001',
        total: 84,
        revenue: 84,
        currency: 'EUR',
        products: [{ product_id: 'TEE-M', sku: 'TEE-M', name: 'T-shirt', quantity: 2, price: 42 }],
      },
    ]);
    expect(JSON.stringify(collector.requests.map((r) => r.body))).not.toContain('ada@');
  });
});
