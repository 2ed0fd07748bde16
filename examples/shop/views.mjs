// The store's pages, rendered on the server like a Shopify theme: the same URLs (/products/…,
// /cart, /cart/add, /checkout, /blogs/…, /pages/…) and the same add-to-cart markup, so that
// engagekit recognises them with its automatic capture and nothing else.
import { CURRENCY, PRODUCTS, money } from './catalog.mjs';
import { html, jsonScript, raw } from './html.mjs';
import { ARTICLES } from './content.mjs';

export const SHOP_NAME = 'Harbor & Pine';

/** @typedef {import('./catalog.mjs').Product} Product */
/** @typedef {{ product: Product, variant: import('./catalog.mjs').Variant, quantity: number, line: number }} CartLine */
/** @typedef {{ lines: CartLine[], count: number, total: number }} CartView */
/** @typedef {{ number: string, lines: CartLine[], total: number, name: string, city: string, country: string }} Order */
/** @typedef {{ endpoint: string, writeKey: string }} Tag */
/** @typedef {(typeof import('./content.mjs').PAGES)[string]} InfoPage */

export const COUNTRIES = ['Belgium', 'France', 'Germany', 'Ireland', 'Italy', 'Netherlands', 'Portugal', 'Spain'];

/**
 * The only instrumentation of the store: engagekit's stub and script tag, as the README gives
 * them. Every event the store produces comes from engagekit's automatic capture.
 *
 * @param {Tag} tag
 */
const engagekitTag = (tag) =>
  html`<script>
      window.engagekit =
        window.engagekit ||
        function () {
          (engagekit.q = engagekit.q || []).push(arguments);
        };
    </script>
    <script async src="/engagekit.min.js" data-endpoint="${tag.endpoint}" data-write-key="${tag.writeKey}"></script>`;

/**
 * A whole page: header with the cart count, the page, and the footer with the newsletter form.
 *
 * @param {{ tag: Tag, title: string, body: unknown, cartCount: number, spa?: boolean, description?: string }} p
 */
export function layout({
  tag,
  title,
  body,
  cartCount,
  spa = false,
  description = 'A small store for well-made everyday things.',
}) {
  const base = spa ? '/spa' : '';
  // In the single-page app, links marked data-link are routed in the page (history.pushState).
  const link = spa ? raw(' data-link') : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${SHOP_NAME}</title>
<meta name="description" content="${description}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/shop.css">
${engagekitTag(tag)}
<script defer src="/assets/${spa ? 'spa.js' : 'theme.js'}"></script>
</head>
<body${spa ? raw(' class="spa"') : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <a class="logo" href="${base}/"${link}>${SHOP_NAME}${spa ? raw(' <small>app</small>') : ''}</a>
  <nav aria-label="Main">
    <a href="${base}/"${link}>Shop</a>
    <a href="/blogs/journal">Journal</a>
    <a href="/pages/about">About</a>
    ${spa ? html`<a href="/">Classic store</a>` : html`<a href="/spa/">App version</a>`}
    <a class="cart-link" href="${base}/cart"${link}>Cart (<span data-cart-count>${cartCount}</span>)</a>
  </nav>
</header>
<main id="main"${spa ? raw(' data-app') : ''}>
${body}
</main>
<footer class="site-footer">
  <form id="newsletter" name="newsletter" class="newsletter" action="/newsletter" method="post">
    <label for="newsletter-email">Letters from the workshop, once a month</label>
    <div class="row">
      <input id="newsletter-email" type="email" name="email" required autocomplete="email" placeholder="you@example.com">
      <button type="submit">Subscribe</button>
    </div>
  </form>
  <nav aria-label="Footer">
    <a href="/pages/about">About</a>
    <a href="/pages/shipping">Shipping &amp; returns</a>
    <a href="/blogs/journal">Journal</a>
    <a href="https://www.instagram.com/harborandpine.demo/" rel="noopener">Instagram</a>
  </nav>
  <p class="fineprint">A demo store for engagekit: nothing is for sale and no payment is taken. Prices in ${CURRENCY}.</p>
</footer>
</body>
</html>`;
}

/** The coloured placeholder that stands in for a product photo (no external assets). @param {Product} p */
const picture = (p, big = false) =>
  html`<div class="picture${big ? ' big' : ''}" style="--hue: ${p.hue}" role="img" aria-label="${p.title}">
    <span>${p.title.slice(0, 1)}</span>
  </div>`;

/** @param {Product} p @param {string} base */
const card = (p, base = '', spa = false) =>
  html`<li class="card">
    <a href="${base}/products/${p.handle}" ${spa ? raw(' data-link') : ''}>
      ${picture(p)}
      <h3>${p.title}</h3>
      <p class="price">${money(p.price)}</p>
    </a>
  </li>`;

/** The product grid, shared with the single-page app. @param {string} base @param {boolean} spa */
export const productGrid = (base = '', spa = false) =>
  html`<ul class="grid">
    ${PRODUCTS.map((p) => card(p, base, spa))}
  </ul>`;

export function home() {
  return html`<section class="hero">
      <h1>Well-made things for every day</h1>
      <p>Small batches, honest materials, free shipping across the EU.</p>
    </section>
    <section aria-labelledby="all-products">
      <h2 id="all-products">All products</h2>
      ${productGrid()}
    </section>
    <section class="journal-teaser" aria-labelledby="from-journal">
      <h2 id="from-journal">From the journal</h2>
      <ul>
        ${ARTICLES.map((a) => html`<li><a href="/blogs/journal/${a.handle}">${a.title}</a> <span class="muted">— ${a.summary}</span></li>`)}
      </ul>
    </section>`;
}

/**
 * A product page with Shopify's add-to-cart form: `action="/cart/add"`, the variant in a hidden
 * `id` field, a `quantity` field. theme.js (or spa.js) sends it with fetch to /cart/add.js and
 * stays on the page; without JavaScript it posts and lands on the cart.
 *
 * @param {Product} p @param {boolean} spa
 */
export function productPage(p, spa = false) {
  const base = spa ? '/spa' : '';
  const sized = p.variants.length > 1;
  const first = sized ? p.variants[1] : p.variants[0];
  return html`<nav class="crumbs" aria-label="Breadcrumb">
      <a href="${base}/" ${spa ? raw(' data-link') : ''}>Shop</a> / ${p.title}
    </nav>
    <article class="product">
      ${picture(p, true)}
      <div class="product-info">
        <h1>${p.title}</h1>
        <p class="price">${money(p.price)}</p>
        <p>${p.blurb}</p>
        <form id="product-form" class="product-form" action="/cart/add" method="post" data-product-form>
          <input type="hidden" name="id" value="${first.id}" />
          ${
            sized
              ? html`<fieldset class="sizes">
                  <legend>Size</legend>
                  ${p.variants.map(
                    (v) =>
                      html`<label
                        ><input
                          type="radio"
                          name="Size"
                          value="${v.title}"
                          data-variant="${v.id}"
                          ${v === first ? raw(' checked') : ''}
                        /><span>${v.title}</span></label
                      >`,
                  )}
                </fieldset>`
              : ''
          }
          <label class="quantity"
            >Quantity <input type="number" name="quantity" value="1" min="1" max="10" inputmode="numeric"
          /></label>
          <button type="submit" class="primary">Add to cart</button>
          <p class="notice" data-cart-notice role="status" aria-live="polite"></p>
        </form>
        <ul class="details">
          ${p.details.map((d) => html`<li>${d}</li>`)}
        </ul>
        ${sized ? html`<p><a href="/files/size-guide.pdf" download>Size guide (PDF)</a></p>` : ''}
      </div>
    </article>`;
}

/** @param {CartView} cart @param {boolean} spa */
export function cartPage(cart, spa = false) {
  const base = spa ? '/spa' : '';
  if (!cart.lines.length) {
    return html`<h1>Your cart</h1>
      <p class="empty">
        Your cart is empty. <a href="${base}/" ${spa ? raw(' data-link') : ''}>Continue shopping</a>
      </p>`;
  }
  return html`<h1>Your cart</h1>
    <table class="cart">
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col">Price</th>
          <th scope="col">Quantity</th>
          <th scope="col">Total</th>
          <th scope="col"><span class="sr">Remove</span></th>
        </tr>
      </thead>
      <tbody>
        ${cart.lines.map(
          (l) =>
            html`<tr>
              <td>
                <a href="${base}/products/${l.product.handle}" ${spa ? raw(' data-link') : ''}>${l.product.title}</a
                >${l.product.variants.length > 1 ? html` <span class="muted">(${l.variant.title})</span>` : ''}
              </td>
              <td>${money(l.product.price)}</td>
              <td>${l.quantity}</td>
              <td>${money(l.product.price * l.quantity)}</td>
              <td>
                <a class="remove" href="/cart/change?line=${l.line}&amp;quantity=0" data-remove-line="${l.line}"
                  >Remove</a
                >
              </td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colspan="3">Subtotal</th>
          <td>${money(cart.total)}</td>
          <td></td>
        </tr>
      </tfoot>
    </table>
    <p class="actions">
      <a href="${base}/" ${spa ? raw(' data-link') : ''}>Continue shopping</a>
      <a class="button primary" href="/checkout" id="checkout-link">Check out</a>
    </p>`;
}

/** @param {CartView} cart */
const summary = (cart) =>
  html`<aside class="summary" aria-label="Order summary">
    <h2>Summary</h2>
    <ul>
      ${cart.lines.map((l) => html`<li><span>${l.quantity} × ${l.product.title}${l.product.variants.length > 1 ? ` (${l.variant.title})` : ''}</span><span>${money(l.product.price * l.quantity)}</span></li>`)}
    </ul>
    <p class="total"><span>Total</span><span>${money(cart.total)}</span></p>
  </aside>`;

/** @param {1 | 2} step */
const steps = (step) => html`<ol class="steps">
  <li${step === 1 ? raw(' aria-current="step"') : ''}>Information</li>
  <li${step === 2 ? raw(' aria-current="step"') : ''}>Payment</li>
  <li>Done</li>
</ol>`;

/** @param {Record<string, string>} errors @param {string} name */
const err = (errors, name) => (errors[name] ? html`<span class="error" id="${name}-error">${errors[name]}</span>` : '');
/** @param {Record<string, string>} errors @param {string} name */
const invalid = (errors, name) => (errors[name] ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : '');

/**
 * Checkout, step 1: contact and shipping. A plain form posted to the server (like a hosted
 * checkout), so engagekit's form capture sees it started, submitted or abandoned field by field.
 *
 * @param {CartView} cart @param {Record<string, string>} values @param {Record<string, string>} errors
 */
export function checkoutContact(cart, values = {}, errors = {}) {
  const field = (/** @type {string} */ name, /** @type {string} */ label, /** @type {string} */ attrs) =>
    html`<label
      >${label}<input
        name="${name}"
        value="${values[name] || ''}"
        required${raw(' ' + attrs)}${invalid(errors, name)}
      />${err(errors, name)}</label
    >`;
  return html`${steps(1)}
    <div class="checkout">
      <form id="checkout-contact" name="contact" class="stack" action="/checkout" method="post">
        <h1>Contact and shipping</h1>
        ${field('email', 'Email', 'type="email" autocomplete="email"')}
        ${field('full_name', 'Full name', 'autocomplete="name"')}
        ${field('address', 'Address', 'autocomplete="street-address"')}
        ${field('city', 'City', 'autocomplete="address-level2"')}
        <label
          >Country<select name="country" required autocomplete="country-name" ${invalid(errors, 'country')}>
            <option value="">Choose…</option>
            ${COUNTRIES.map((c) => html`<option${values.country === c ? raw(' selected') : ''}>${c}</option>`)}</select
          >${err(errors, 'country')}</label
        >
        <button type="submit" class="primary">Continue to payment</button>
      </form>
      ${summary(cart)}
    </div>`;
}

/**
 * Checkout, step 2: payment. The card fields are fake (nothing is charged), and the server keeps
 * none of them.
 *
 * @param {CartView} cart @param {Record<string, string>} errors
 */
export function checkoutPayment(cart, errors = {}) {
  return html`${steps(2)}
    <div class="checkout">
      <form id="checkout-payment" name="payment" class="stack" action="/checkout/payment" method="post">
        <h1>Payment</h1>
        <p class="muted">This is a demo: no payment is taken. Any 16 digits and a future expiry date will do.</p>
        <label
          >Name on card<input
            name="card_name"
            required
            autocomplete="cc-name"
            ${invalid(errors, 'card_name')}
          />${err(errors, 'card_name')}</label
        >
        <label
          >Card number<input
            name="card_number"
            required
            inputmode="numeric"
            autocomplete="cc-number"
            placeholder="4242 4242 4242 4242"
            ${invalid(errors, 'card_number')}
          />${err(errors, 'card_number')}</label
        >
        <label
          >Expiry<input
            name="expiry"
            required
            autocomplete="cc-exp"
            placeholder="MM/YY"
            ${invalid(errors, 'expiry')}
          />${err(errors, 'expiry')}</label
        >
        <button type="submit" class="primary">Pay ${money(cart.total)}</button>
      </form>
      ${summary(cart)}
    </div>`;
}

/**
 * The order as a schema.org `Order` in JSON-LD: what engagekit reads on a thank-you page for the
 * order id, revenue and items. Nothing about the customer goes in it.
 *
 * @param {Order} order
 */
export const orderJsonLd = (order) => ({
  '@context': 'https://schema.org',
  '@type': 'Order',
  orderNumber: order.number,
  orderStatus: 'https://schema.org/OrderProcessing',
  price: order.total.toFixed(2),
  priceCurrency: CURRENCY,
  acceptedOffer: order.lines.map((l) => ({
    '@type': 'Offer',
    itemOffered: { '@type': 'Product', sku: l.variant.sku, name: l.product.title },
    price: l.product.price.toFixed(2),
    priceCurrency: CURRENCY,
    eligibleQuantity: { '@type': 'QuantitativeValue', value: l.quantity },
  })),
});

/** @param {Order} order */
export function thankYou(order) {
  return html`<script type="application/ld+json">
      ${jsonScript(orderJsonLd(order))}
    </script>
    <section class="thanks">
      <h1>Thank you for your order</h1>
      <p>
        Order <strong data-order-number>${order.number}</strong> is confirmed and will ship to ${order.city},
        ${order.country} within two working days.
      </p>
      <ul class="lines">
        ${order.lines.map((l) => html`<li><span>${l.quantity} × ${l.product.title}${l.product.variants.length > 1 ? ` (${l.variant.title})` : ''}</span><span>${money(l.product.price * l.quantity)}</span></li>`)}
      </ul>
      <p class="total"><span>Total paid</span><span>${money(order.total)}</span></p>
      <p><a href="/">Back to the store</a></p>
    </section>`;
}

export const newsletterThanks = () =>
  html`<section class="thanks">
    <h1>You are on the list</h1>
    <p>The next letter from the workshop will reach you at the start of the month.</p>
    <p><a href="/">Back to the store</a></p>
  </section>`;

export const newsletterInvalid = () =>
  html`<section>
    <h1>That address did not look right</h1>
    <p>Please try again with the form below.</p>
  </section>`;

export function journal() {
  return html`<h1>Journal</h1>
    <ul class="articles">
      ${ARTICLES.map(
        (a) =>
          html`<li>
            <h2><a href="/blogs/journal/${a.handle}">${a.title}</a></h2>
            <p>${a.summary}</p>
          </li>`,
      )}
    </ul>`;
}

/** @param {(typeof ARTICLES)[number]} a */
export function article(a) {
  return html`<article class="prose">
    <p class="crumbs"><a href="/blogs/journal">Journal</a></p>
    <h1>${a.title}</h1>
    ${a.paragraphs.map((p) => html`<p>${p}</p>`)}
    <p><a href="/products/${a.product}">Shop the ${a.product.replace(/-/g, ' ')}</a></p>
  </article>`;
}

/** @param {InfoPage} info */
export function infoPage(info) {
  return html`<article class="prose">
    <h1>${info.title}</h1>
    ${info.paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}
  </article>`;
}

export const notFound = () =>
  html`<section>
    <h1>Page not found</h1>
    <p><a href="/">Back to the store</a></p>
  </section>`;

/** The single-page app's shell: spa.js renders the listing, product and cart pages into it. */
export const spaShell = () =>
  html`<noscript
      ><p>This version of the store needs JavaScript. <a href="/">Use the classic store</a>.</p></noscript
    >
    <p class="loading">Loading…</p>`;
