/**
 * Shopify's Dawn theme (v15.4.1), its own variant picker run unmodified (test/browser/vendor/
 * SOURCES.md), on a product page shaped like Dawn's main-product section, served with a small
 * backend that answers Dawn's section-rendering requests (`GET /products/x?section_id=…&option_values=…`)
 * as Shopify does. Each variant pick makes Dawn rewrite the URL to `?variant=ID` with
 * `history.replaceState`: not a page view, and so no end of the footer newsletter form the shopper
 * has started. Following a link is.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, named, pages } from './support/collector';
import { launch, openTracked } from './support/browser';
import { missingVendored, vendored } from './support/vendored';

const missing = missingVendored('dawn');
if (missing) console.warn('skipped: ' + missing);

const SECTION = 'template--1__main';
const SIZES = [
  ['S', 101],
  ['M', 102],
  ['L', 103],
] as const;
const COLORS = [
  ['Blue', 201],
  ['Red', 202],
] as const;
/** The variant of a size and a colour, as Shopify numbers them: one id per combination. */
const variantId = (size: number, color: number) => 40000 + size * 10 + color;

/** Dawn's variant-selects for the chosen option values (snippets/product-variant-picker.liquid, picker "button"). */
function variantSelects(size: number, color: number): string {
  const fieldset = (name: string, position: number, values: readonly (readonly [string, number])[], chosen: number) =>
    `<fieldset class="js product-form__input product-form__input--pill"><legend class="form__label">${name}</legend>` +
    values
      .map(([value, valueId], index) => {
        const id = `${SECTION}-${position}-${index}`;
        return `<input type="radio" id="${id}" name="${name}-${position}" value="${value}" form="product-form-${SECTION}"${
          index == chosen ? ' checked' : ''
        } data-product-url="" data-option-value-id="${valueId}"><label for="${id}">${value}</label>`;
      })
      .join('') +
    '</fieldset>';
  const variant = {
    id: variantId(size, color),
    title: `${SIZES[size][0]} / ${COLORS[color][0]}`,
    available: true,
    price: 2000 + size * 100,
    featured_media: null,
  };
  return `<variant-selects id="variant-selects-${SECTION}" data-section="${SECTION}">${fieldset('Size', 1, SIZES, size)}${fieldset(
    'Color',
    2,
    COLORS,
    color,
  )}<script type="application/json" data-selected-variant>${JSON.stringify(variant)}</script></variant-selects>`;
}

/** Dawn's main-product section (sections/main-product.liquid): product-info, price, picker, product form. */
function mainProduct(size: number, color: number): string {
  return `<div id="shopify-section-${SECTION}" class="shopify-section"><section>
<product-info id="MainProduct-${SECTION}" data-section="${SECTION}" data-product-id="7001" data-update-url="true" data-url="/products/linen-shirt">
  <h1>Linen shirt</h1>
  <div id="price-${SECTION}" role="status"><span class="price-item">€${20 + size}.00</span></div>
  ${variantSelects(size, color)}
  <product-form class="product-form" data-hide-errors="false" data-section-id="${SECTION}">
    <div class="product-form__error-message-wrapper" role="alert" hidden><span class="product-form__error-message"></span></div>
    <form method="post" action="/cart/add" id="product-form-${SECTION}" accept-charset="UTF-8" class="form" enctype="multipart/form-data" novalidate="novalidate" data-type="add-to-cart-form">
      <input type="hidden" name="form_type" value="product"><input type="hidden" name="utf8" value="✓">
      <input type="hidden" name="id" value="${variantId(size, color)}" disabled class="product-variant-id">
      <div class="product-form__buttons"><button id="ProductSubmitButton-${SECTION}" type="submit" name="add" class="product-form__submit button"><span>Add to cart</span><div class="loading__spinner hidden"></div></button></div>
    </form>
  </product-form>
</product-info></section></div>`;
}

/** Dawn's footer newsletter form (sections/footer.liquid, `{% form 'customer' %}`), and a link to another page. */
const FOOTER = `<footer class="footer"><div class="footer-block__newsletter">
<form method="post" action="/contact#ContactFooter" id="ContactFooter" accept-charset="UTF-8" class="footer__newsletter newsletter-form">
  <input type="hidden" name="form_type" value="customer"><input type="hidden" name="utf8" value="✓"><input type="hidden" name="contact[tags]" value="newsletter">
  <div class="newsletter-form__field-wrapper"><div class="field">
    <input id="NewsletterForm--sections--footer" type="email" name="contact[email]" class="field__input" value="" aria-required="true" autocorrect="off" autocapitalize="off" autocomplete="email" placeholder="Email" required>
    <label class="field__label" for="NewsletterForm--sections--footer">Email</label>
    <button type="submit" class="newsletter-form__button field__button" name="commit" id="Subscribe" aria-label="Subscribe">→</button>
  </div></div>
</form></div><a id="about" href="/pages/about">About us</a></footer>`;

/** A storefront on 127.0.0.1: Dawn's assets, the engagekit script tag, product pages and their sections. */
async function storefront(endpoint: () => string) {
  const dist = new URL('../../dist/', import.meta.url);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url || '/', 'http://x');
    const asset = /^\/cdn\/(.+\.js)$/.exec(url.pathname);
    if (asset)
      return response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(vendored('dawn', 'assets/' + asset[1]));
    if (url.pathname == '/engagekit.min.js')
      return response
        .writeHead(200, { 'Content-Type': 'text/javascript' })
        .end(readFileSync(new URL('engagekit.min.js', dist)));
    if (url.pathname == '/products/linen-shirt') {
      // Shopify's option_values: one option value id per option, in option order (product-info.js).
      const chosen = (url.searchParams.get('option_values') || '').split(',').map(Number);
      const size = Math.max(
        0,
        SIZES.findIndex(([, id]) => chosen.includes(id)),
      );
      const color = Math.max(
        0,
        COLORS.findIndex(([, id]) => chosen.includes(id)),
      );
      // Section Rendering API: the section alone (https://shopify.dev/docs/api/section-rendering).
      if (url.searchParams.get('section_id') == SECTION)
        return response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(mainProduct(size, color));
      return response
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(page(mainProduct(size, color)));
    }
    if (url.pathname == '/pages/about')
      return response.writeHead(200, { 'Content-Type': 'text/html' }).end(page('<h1>About us</h1>'));
    response.writeHead(404).end();
  });
  // layout/theme.liquid: the strings and scripts Dawn's code reads, then the sections.
  const page = (main: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Linen shirt</title>
<script src="/cdn/constants.js" defer></script><script src="/cdn/pubsub.js" defer></script><script src="/cdn/global.js" defer></script>
<script src="/cdn/product-info.js" defer></script><script src="/cdn/product-form.js" defer></script>
<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};</script>
<script async src="/engagekit.min.js" data-endpoint="${endpoint()}" data-write-key="test-key" data-flush-interval="300" data-web-vitals="false"></script>
</head><body><main id="MainContent">${main}</main>${FOOTER}
<script>window.shopUrl = location.origin; window.routes = { cart_add_url: '/cart/add', cart_url: '/cart' };
window.variantStrings = { addToCart: 'Add to cart', soldOut: 'Sold out', unavailable: 'Unavailable', unavailable_with_option: '[value] - Unavailable' };</script>
</body></html>`;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: (path: string) => `http://localhost:${(server.address() as AddressInfo).port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const collector = new Collector();
let shop: Awaited<ReturnType<typeof storefront>>;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  await collector.up();
  shop = await storefront(() => collector.url);
});
afterAll(async () => {
  await collector.close();
  await shop?.close();
});
beforeEach(async () => {
  collector.reset();
  browser = await launch();
});
afterEach(async () => {
  await browser?.close();
});

describe.skipIf(missing)("Shopify Dawn's variant picker", () => {
  it('four variant picks: one page view and the started newsletter form stays open; a link is the next page view and ends it', async () => {
    const page = await openTracked(browser!.context, shop.url('/products/linen-shirt'));
    await page.waitForFunction(() => customElements.get('product-info') && customElements.get('variant-selects'));
    await page.click('#NewsletterForm--sections--footer');
    await page.keyboard.type('shopper@example.com');
    // Size M, colour Red, size L, size S: Dawn fetches the section and replaces ?variant= each time.
    const picks: [position: number, index: number, size: number, color: number][] = [
      [1, 1, 1, 0],
      [2, 1, 1, 1],
      [1, 2, 2, 1],
      [1, 0, 0, 1],
    ];
    for (const [position, index, size, color] of picks) {
      await page.click(`label[for="${SECTION}-${position}-${index}"]`);
      await page.waitForURL(shop.url(`/products/linen-shirt?variant=${variantId(size, color)}`));
      // Dawn's own update ran: the product form now adds the variant picked.
      await page.waitForFunction(
        (id) => (document.querySelector('#product-form-template--1__main [name=id]') as HTMLInputElement)?.value == id,
        String(variantId(size, color)),
      );
    }
    // A later event proves nothing else is on its way.
    await page.evaluate(() =>
      (window as unknown as { engagekit: (...args: unknown[]) => void }).engagekit('track', 'Sentinel'),
    );
    await collector.waitFor(1, named('Sentinel'), 20_000);
    expect(collector.stored(pages).map((m) => m.context.page.path)).toEqual(['/products/linen-shirt']);
    expect(collector.stored(named('Form Started')).map((m) => m.properties?.form_id)).toEqual(['ContactFooter']);
    expect(collector.stored(named('Form Abandoned'))).toEqual([]);

    await page.click('#about');
    await collector.waitFor(2, pages, 20_000);
    const [abandoned] = await collector.waitFor(1, named('Form Abandoned'), 20_000);
    expect(collector.stored(pages).map((m) => m.context.page.path)).toEqual(['/products/linen-shirt', '/pages/about']);
    expect(abandoned.properties).toMatchObject({ form_id: 'ContactFooter', last_field: 'contact[email]' });
    expect(abandoned.context.page.path).toBe('/products/linen-shirt');
    expect(JSON.stringify(collector.received)).not.toContain('shopper');
  });
});
