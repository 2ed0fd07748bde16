/**
 * Cart adds on the platforms' own published storefront code, unmodified (each platform's SOURCES.md
 * names repository, path and version; code from git repositories is not committed, see support/vendored.ts), run in
 * Chromium with nothing but the script tag, against a local backend that answers as the platform
 * does, refusals included. Each test waits on "N events arrived" at the collector; "no event" is
 * proved by a later sentinel event that did arrive.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, type Received } from './support/collector';
import { launch, openTracked } from './support/browser';
import { missingVendored, vendored } from './support/vendored';

const dist = new URL('../../dist/', import.meta.url);
const modules = new URL('../../node_modules/', import.meta.url);
const WOO = 'plugins/woocommerce/client/legacy/js/frontend/';
/**
 * The platforms' published files, by the path the pages load them from: from the npm registry
 * (jQuery, stencil-utils: devDependencies) or, for code published only in the platforms' git
 * repositories, from the vendor directory (see support/vendored.ts; not committed here).
 */
const VENDOR_FILES: Record<string, () => Buffer | string> = {
  '/vendor/shopify/constants.js': () => vendored('dawn', 'assets/constants.js'),
  '/vendor/shopify/pubsub.js': () => vendored('dawn', 'assets/pubsub.js'),
  '/vendor/shopify/global.js': () => vendored('dawn', 'assets/global.js'),
  '/vendor/shopify/product-form.js': () => vendored('dawn', 'assets/product-form.js'),
  '/vendor/woocommerce/add-to-cart.js': () => vendored('woocommerce', WOO + 'add-to-cart.js'),
  '/vendor/woocommerce/ajax-add-to-cart.js': () => vendored('woocommerceSingle', WOO + 'ajax-add-to-cart.js'),
  '/vendor/woocommerce/jquery.min.js': () => readFileSync(new URL('jquery/dist/jquery.min.js', modules)),
  '/vendor/bigcommerce/stencil-utils.min.js': () =>
    readFileSync(new URL('@bigcommerce/stencil-utils/dist/stencil-utils.min.js', modules)),
};
const missingDawn = missingVendored('dawn');
const missingWoo = missingVendored('woocommerce') || missingVendored('woocommerceSingle');
for (const missing of [missingDawn, missingWoo]) if (missing) console.log('skipped: ' + missing);

/** What the backend answers to a request: status and JSON body, or a page body (HTML). */
type Answer = { status?: number; json?: unknown; page?: string };
/** A platform's backend: its answer to a request (method, URL, body), or undefined for a plain page. */
type Backend = (method: string, url: URL, body: string) => Answer | undefined;

/**
 * The shop: serves dist/engagekit.min.js, the vendored files (/vendor/<platform>/<file>), the
 * pages in `pages` (head and body, the engagekit tag first), and the backend's answers.
 */
class Shop {
  private server?: http.Server;
  port = 0;
  pages: Record<string, { head?: string; body: string }> = {};
  backend: Backend = () => undefined;
  /** Every add request the backend answered, as `METHOD path`. */
  requests: string[] = [];
  constructor(private endpoint: () => string) {}

  url(path: string): string {
    return `http://localhost:${this.port}${path}`;
  }

  page(head: string, body: string): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};</script>
<script async src="/engagekit.min.js" data-endpoint="${this.endpoint()}" data-write-key="test-key" data-flush-interval="300"></script>
${head}</head><body>${body}</body></html>`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url || '/', 'http://localhost');
        const script =
          url.pathname == '/engagekit.min.js'
            ? readFileSync(new URL('engagekit.min.js', dist))
            : VENDOR_FILES[url.pathname]?.();
        if (script !== undefined) return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
        if (url.pathname == '/favicon.ico') return res.writeHead(404).end();
        const answer = this.backend(req.method || 'GET', url, Buffer.concat(chunks).toString('utf8'));
        if (answer && answer.json !== undefined) {
          this.requests.push(`${req.method} ${url.pathname}${url.search}`);
          return res
            .writeHead(answer.status || 200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify(answer.json));
        }
        const fixture = this.pages[url.pathname];
        const html = this.page(fixture?.head || '', answer?.page ?? fixture?.body ?? `<h1>${url.pathname}</h1>`);
        res.writeHead(answer?.status || 200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        res.end(html);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const collector = new Collector();
const shop = new Shop(() => collector.url);
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  await collector.up();
  await shop.start();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await shop.close();
  await collector.close();
});
beforeEach(() => {
  collector.reset();
  shop.requests = [];
});
afterEach(async () => {
  // The next test's shop starts with an empty cart: the cart state is the site's localStorage.
  for (const page of browser.context.pages()) {
    await page.evaluate(() => localStorage.clear()).catch(() => undefined);
    await page.close();
  }
  await browser.context.clearCookies();
});

const commerce = (message: Received) =>
  message.type == 'track' && ['Product Added', 'Cart Started', 'Sentinel'].includes(String(message.event));

/** The commerce events stored, once `n` of them (the sentinel included) have arrived, in order. */
async function commerceEvents(n: number): Promise<[string, Record<string, unknown>][]> {
  const stored = await collector.waitFor(n, commerce);
  // Batches from two pages may arrive out of order: the order events were made in.
  return stored
    .sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)))
    .map((message) => {
      const { source, product_id, variant, quantity } = message.properties || {};
      return [String(message.event), message.event == 'Sentinel' ? {} : { source, product_id, variant, quantity }];
    });
}

/** A later event, to prove that nothing came before it: once it arrived, so had anything tracked earlier. */
const sentinel = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { engagekit: (...args: unknown[]) => void }).engagekit('track', 'Sentinel'),
  );

const added = (source: string, product_id: string, variant: string | undefined, quantity: number) =>
  ['Product Added', { source, product_id, variant, quantity }] as [string, Record<string, unknown>];
const started = (source: string) =>
  ['Cart Started', { source, product_id: undefined, variant: undefined, quantity: undefined }] as [
    string,
    Record<string, unknown>,
  ];

/** A field of a multipart/form-data or urlencoded body. */
const field = (body: string, name: string) =>
  new RegExp(`name="${name.replace(/[[\]]/g, '\\$&')}"\\r\\n\\r\\n([^\\r]*)`).exec(body)?.[1] ??
  new URLSearchParams(body).get(name) ??
  undefined;

describe.skipIf(missingDawn)('Shopify: Dawn product form (product-form.js, global.js, pubsub.js, constants.js)', () => {
  beforeEach(() => {
    // sections/main-product.liquid with snippets/buy-buttons.liquid and the quantity input, as Dawn renders them.
    shop.pages['/products/tee'] = {
      head: `<script>window.routes = { cart_add_url: '/cart/add', cart_url: '/cart' };</script>
        <script src="/vendor/shopify/constants.js" defer></script>
        <script src="/vendor/shopify/pubsub.js" defer></script>
        <script src="/vendor/shopify/global.js" defer></script>
        <script src="/vendor/shopify/product-form.js" defer></script>`,
      body: `<product-form class="product-form" data-hide-errors="false" data-section-id="main">
        <div class="product-form__error-message-wrapper" role="alert" hidden><span class="product-form__error-message"></span></div>
        <form method="post" action="/cart/add" id="product-form-main" accept-charset="UTF-8" class="form" enctype="multipart/form-data" novalidate="novalidate" data-type="add-to-cart-form">
          <input type="hidden" name="form_type" value="product"><input type="hidden" name="utf8" value="✓">
          <input type="hidden" name="id" value="4001" class="product-variant-id">
          <input type="hidden" name="product-id" value="400"><input type="hidden" name="section-id" value="main">
          <div class="product-form__buttons"><button id="ProductSubmitButton-main" type="submit" name="add" class="product-form__submit button"><span>Add to cart</span><span class="sold-out-message hidden">Sold out</span><div class="loading__spinner hidden"></div></button></div>
        </form>
      </product-form>
      <quantity-input class="quantity"><input class="quantity__input" type="number" name="quantity" id="Quantity-main" min="1" value="1" form="product-form-main"></quantity-input>`,
    };
    // Shopify's cart/add: the line item (its quantity is the line's, after the add), or 422 {status, message, description}.
    const lines: Record<string, number> = {};
    shop.backend = (method, url, body) => {
      if (method != 'POST' || url.pathname != '/cart/add') return;
      const variant = field(body, 'id')!;
      if (variant == '4099') {
        return {
          status: 422,
          json: { status: 422, message: 'Cart Error', description: 'Tee - Sold out is sold out.' },
        };
      }
      lines[variant] = (lines[variant] || 0) + Number(field(body, 'quantity') || 1);
      return { json: { id: Number(variant), variant_id: Number(variant), product_id: 400, quantity: lines[variant] } };
    };
  });

  it('one Product Added per accepted add (a repeat of the same item too), none for the 422 refusal', async () => {
    const page = await openTracked(browser.context, shop.url('/products/tee'));
    // Dawn's variant picker writes the chosen variant into the form's id input (product-info.js).
    const addVariant = async (variant: string, quantity: string) => {
      await page.waitForFunction(() => customElements.get('product-form'));
      await page.evaluate(
        ([variant, quantity]) => {
          document.querySelector<HTMLInputElement>('[name=id]')!.value = variant;
          document.querySelector<HTMLInputElement>('#Quantity-main')!.value = quantity;
        },
        [variant, quantity],
      );
      await page.click('#ProductSubmitButton-main');
    };
    // With no cart drawer, product-form.js goes to the cart page after an accepted add.
    await addVariant('4002', '2');
    await page.waitForURL(/\/cart$/);
    await openTracked(browser.context, shop.url('/products/tee'), page);
    await addVariant('4002', '2');
    await page.waitForURL(/\/cart$/);
    await openTracked(browser.context, shop.url('/products/tee'), page);
    await addVariant('4099', '1');
    await page.waitForSelector('.product-form__error-message-wrapper:not([hidden])');
    await sentinel(page);
    expect(await commerceEvents(4)).toEqual([
      started('shopify'),
      added('shopify', '400', '4002', 2),
      added('shopify', '400', '4002', 2),
      ['Sentinel', {}],
    ]);
    expect(shop.requests).toHaveLength(3);
  });
});

describe('BigCommerce: stencil-utils cart.itemAdd, called as Cornerstone calls it', () => {
  beforeEach(() => {
    // templates/components/products/add-to-cart.html and product-view.html (Cornerstone): the form.
    shop.pages['/able-brewing-system'] = {
      head: `<script src="/vendor/bigcommerce/stencil-utils.min.js"></script>`,
      body: `<form class="form" method="post" action="/cart.php" enctype="multipart/form-data" data-cart-item-add>
        <input type="hidden" name="action" value="add"><input type="hidden" name="product_id" value="86">
        <select name="attribute[120]"><option value="69">Small</option><option value="70">Large</option></select>
        <input class="form-input form-input--incrementTotal" id="qty[]" name="qty[]" type="number" value="1" min="1">
        <input id="form-action-addToCart" class="button button--primary" type="submit" value="Add to Cart">
      </form><p id="result"></p>
      <script>
        // Cornerstone's ProductDetails.addProductToCart (assets/js/theme/common/product-details.js): cancel the
        // submit, post the form through stencil-utils, show the error or the cart preview.
        document.querySelector('[data-cart-item-add]').addEventListener('submit', (event) => {
          event.preventDefault();
          stencilUtils.api.cart.itemAdd(new FormData(event.target), (err, response) => {
            document.getElementById('result').textContent = err || response.data.error || 'added ' + response.data.cart_item.id;
          });
        });
      </script>`,
    };
    // /remote/v1/cart/add as stencil-utils' spec fixture shows it; a refusal is 200 {data: {error}}.
    shop.backend = (method, url, body) => {
      if (method != 'POST' || url.pathname != '/remote/v1/cart/add') return;
      if (Number(field(body, 'qty[]')) > 5) return { json: { data: { error: 'We only have 5 in stock.' } } };
      return {
        json: {
          data: {
            cart_id: '77d0405d',
            cart_item: { id: 'line-' + shop.requests.length, hash: 'h', product_id: 86, url: '/able-brewing-system' },
            line_items: [{ product_id: 86, sku: 'ABS', quantity: Number(field(body, 'qty[]')) }],
          },
        },
      };
    };
  });

  it('one Product Added per accepted add, none for the {data: {error}} refusal', async () => {
    const page = await openTracked(browser.context, shop.url('/able-brewing-system'));
    const addQuantity = async (quantity: string, result: string) => {
      await page.fill('[name="qty[]"]', quantity);
      await page.click('#form-action-addToCart');
      await page.waitForFunction((text) => document.getElementById('result')!.textContent!.startsWith(text), result);
      await page.evaluate(() => (document.getElementById('result')!.textContent = ''));
    };
    await addQuantity('2', 'added');
    await addQuantity('9', 'We only have');
    await addQuantity('2', 'added');
    await sentinel(page);
    expect(await commerceEvents(4)).toEqual([
      started('bigcommerce'),
      added('bigcommerce', '86', undefined, 2),
      added('bigcommerce', '86', undefined, 2),
      ['Sentinel', {}],
    ]);
  });
});

describe.skipIf(missingWoo)(
  'WooCommerce: add-to-cart.js (AJAX on and off), ajax-add-to-cart.js (single-product AJAX add)',
  () => {
    const params = `<script>
    var wc_add_to_cart_params = { ajax_url: '/wp-admin/admin-ajax.php', wc_ajax_url: '/?wc-ajax=%%endpoint%%', i18n_view_cart: 'View cart', cart_url: '/cart/', is_cart: '', cart_redirect_after_add: 'no' };
    var woocommerce_params = { ajax_url: '/wp-admin/admin-ajax.php', wc_ajax_url: '/?wc-ajax=%%endpoint%%' };
  </script><script src="/vendor/woocommerce/jquery.min.js"></script>`;
    // templates/loop/add-to-cart.php: a simple product's button (ajax_add_to_cart when "AJAX add to cart
    // buttons on archives" is on) and a variable product's "Select options" link.
    const loopButton = (id: number, ajax: boolean) =>
      `<a id="add-${id}" href="?add-to-cart=${id}" data-quantity="1" class="button product_type_simple add_to_cart_button${ajax ? ' ajax_add_to_cart' : ''}" data-product_id="${id}" data-product_sku="T${id}" rel="nofollow">Add to cart</a>`;
    const optionsLink = `<a id="options" href="/product/hoodie/" data-quantity="1" class="button product_type_variable add_to_cart_button" data-product_id="70" rel="nofollow">Select options</a>`;
    beforeEach(() => {
      shop.pages['/shop/'] = {
        head: params + `<script src="/vendor/woocommerce/add-to-cart.js"></script>`,
        body: `<ul class="products"><li>${loopButton(55, true)}</li><li>${loopButton(56, true)}</li><li>${optionsLink}</li></ul>`,
      };
      shop.pages['/shop-no-ajax/'] = {
        head: params + `<script src="/vendor/woocommerce/add-to-cart.js"></script>`,
        body: `<ul class="products"><li>${loopButton(57, false)}</li><li>${loopButton(58, false)}</li></ul>`,
      };
      // templates/single-product/add-to-cart/variable.php and variation-add-to-cart-button.php: the
      // variations form, its variation_id filled in by add-to-cart-variation.js once a variation is chosen.
      shop.pages['/product/hoodie/'] = {
        head: params + `<script src="/vendor/woocommerce/ajax-add-to-cart.js" defer></script>`,
        body: `<form class="variations_form cart" action="/product/hoodie/" method="post" enctype="multipart/form-data" data-product_id="70">
        <table class="variations"><tr><th><label for="pa_color">Color</label></th><td><select id="pa_color" name="attribute_pa_color"><option value="blue" selected>Blue</option></select></td></tr></table>
        <div class="single_variation_wrap"><div class="woocommerce-variation-add-to-cart variations_button">
          <div class="quantity"><input type="number" id="quantity_1" class="input-text qty text" name="quantity" value="2" min="1"></div>
          <button type="submit" class="single_add_to_cart_button button alt">Add to cart</button>
          <input type="hidden" name="add-to-cart" value="70"><input type="hidden" name="product_id" value="70"><input type="hidden" name="variation_id" class="variation_id" value="71">
        </div></div></form>`,
      };
      // WC_AJAX::add_to_cart: fragments and cart hash, or {error, product_url} (product 56 is out of
      // stock). WC_Form_Handler::add_to_cart_action (?add-to-cart=, AJAX off): the page with its notice.
      shop.backend = (method, url, body) => {
        if (method == 'POST' && url.searchParams.get('wc-ajax') == 'add_to_cart') {
          if (field(body, 'product_id') == '56') return { json: { error: true, product_url: '/product/tee-56/' } };
          return { json: { fragments: {}, cart_hash: 'hash' } };
        }
        const id = url.searchParams.get('add-to-cart');
        if (method == 'GET' && id) {
          return {
            page:
              id == '58'
                ? `<ul class="woocommerce-error" role="alert"><li>You cannot add that amount to the cart.</li></ul>`
                : `<div class="woocommerce-message" role="alert">“Tee” has been added to your cart.</div>`,
          };
        }
      };
    });

    it('counts accepted adds by AJAX and by navigation with the parent product, variant and quantity; not refusals, not options links', async () => {
      const page = await openTracked(browser.context, shop.url('/shop/'));
      await page.click('#add-55');
      await page.waitForSelector('#add-55.added');
      // Refused: add-to-cart.js sends the shopper to the product page.
      await page.click('#add-56');
      await page.waitForURL(/\/product\/tee-56\/$/);
      await openTracked(browser.context, shop.url('/shop/'), page);
      await page.click('#options');
      await page.waitForURL(/\/product\/hoodie\/$/);
      // AJAX off: the links navigate to ?add-to-cart=, and the page shows the notice.
      await openTracked(browser.context, shop.url('/shop-no-ajax/'), page);
      await page.click('#add-57');
      await page.waitForSelector('.woocommerce-message');
      await openTracked(browser.context, shop.url('/shop-no-ajax/'), page);
      await page.click('#add-58');
      await page.waitForSelector('.woocommerce-error');
      // The single product page's AJAX add of variation 71 of product 70.
      await openTracked(browser.context, shop.url('/product/hoodie/'), page);
      await page.waitForFunction(() => document.readyState == 'complete');
      await page.click('.single_add_to_cart_button');
      await page.waitForSelector('.single_add_to_cart_button.added');
      await sentinel(page);
      expect(await commerceEvents(5)).toEqual([
        started('woocommerce'),
        added('woocommerce', '55', undefined, 1),
        added('woocommerce', '57', undefined, 1),
        added('woocommerce', '70', '71', 2),
        ['Sentinel', {}],
      ]);
      expect(shop.requests).toEqual([
        'POST /?wc-ajax=add_to_cart',
        'POST /?wc-ajax=add_to_cart',
        'POST /?wc-ajax=add_to_cart',
      ]);
    });
  },
);
