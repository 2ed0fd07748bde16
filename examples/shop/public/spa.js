// The single-page-app version of the store (/spa/): listing, product and cart rendered in the
// page, with history routing (pushState, back and forward). Adds to cart go to the same
// /cart/add.js as the classic store. No tracking code here either: engagekit's script tag counts a
// page view per route change and sees the cart requests by itself.
(() => {
  'use strict';

  const app = /** @type {HTMLElement} */ (document.querySelector('[data-app]'));
  const SHOP = 'Harbor & Pine';
  /** @type {{ id: number, handle: string, title: string, body: string, details: string[], hue: number, price: string, variants: { id: number, title: string, sku: string }[] }[]} */
  let products = [];

  /** @param {unknown} v */
  const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const money = (/** @type {number | string} */ v) => '€' + Number(v).toFixed(2);
  const picture = (/** @type {(typeof products)[number]} */ p, big = false) =>
    `<div class="picture${big ? ' big' : ''}" style="--hue: ${Number(p.hue)}" role="img" aria-label="${esc(p.title)}"><span>${esc(p.title.slice(0, 1))}</span></div>`;

  /**
   * The view of a path: its title, known at once (so the page view engagekit records on
   * pushState has the new title), and how to draw it.
   * @param {string} path
   * @returns {{ title: string, draw: () => Promise<void> | void }}
   */
  function route(path) {
    if (/^\/spa\/?$/.test(path)) return { title: 'Shop', draw: listing };
    const m = /^\/spa\/products\/([\w-]+)\/?$/.exec(path);
    const p = m && products.find((x) => x.handle === m[1]);
    if (p) return { title: p.title, draw: () => product(p) };
    if (/^\/spa\/cart\/?$/.test(path)) return { title: 'Your cart', draw: cart };
    return {
      title: 'Not found',
      draw: () =>
        void (app.innerHTML = '<h1>Page not found</h1><p><a href="/spa/" data-link>Back to the store</a></p>'),
    };
  }

  /** Draw the view of `path`; `data-view` then names it (what scripts driving the page wait for). @param {string} path */
  async function show(path, push = false) {
    const view = route(path);
    document.title = `${view.title} · ${SHOP}`;
    if (push) {
      history.pushState({}, '', path);
      scrollTo(0, 0);
    }
    await view.draw();
    app.dataset.view = path;
  }
  /** Go to a route of the app: a new history entry, a new view. @param {string} path */
  const navigate = (path) => show(path, true);

  function listing() {
    app.innerHTML = `<section class="hero"><h1>Well-made things for every day</h1><p>The same store, as a single-page app.</p></section>
<h2>All products</h2>
<ul class="grid">${products
      .map(
        (p) =>
          `<li class="card"><a href="/spa/products/${esc(p.handle)}" data-link>${picture(p)}<h3>${esc(p.title)}</h3><p class="price">${money(p.price)}</p></a></li>`,
      )
      .join('')}</ul>`;
  }

  /** The same add-to-cart form as the classic product page. @param {(typeof products)[number]} p */
  function product(p) {
    const sized = p.variants.length > 1;
    const first = sized ? p.variants[1] : p.variants[0];
    app.innerHTML = `<nav class="crumbs" aria-label="Breadcrumb"><a href="/spa/" data-link>Shop</a> / ${esc(p.title)}</nav>
<article class="product">${picture(p, true)}<div class="product-info">
  <h1>${esc(p.title)}</h1><p class="price">${money(p.price)}</p><p>${esc(p.body)}</p>
  <form id="product-form" class="product-form" action="/cart/add" method="post" data-product-form>
    <input type="hidden" name="id" value="${first.id}">
    ${sized ? `<fieldset class="sizes"><legend>Size</legend>${p.variants.map((v) => `<label><input type="radio" name="Size" value="${esc(v.title)}" data-variant="${v.id}"${v === first ? ' checked' : ''}><span>${esc(v.title)}</span></label>`).join('')}</fieldset>` : ''}
    <label class="quantity">Quantity <input type="number" name="quantity" value="1" min="1" max="10" inputmode="numeric"></label>
    <button type="submit" class="primary">Add to cart</button>
    <p class="notice" data-cart-notice role="status" aria-live="polite"></p>
  </form>
  <ul class="details">${p.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>
</div></article>`;
    const form = /** @type {HTMLFormElement} */ (app.querySelector('form'));
    const id = /** @type {HTMLInputElement} */ (form.elements.namedItem('id'));
    form.addEventListener('change', (e) => {
      const v = /** @type {HTMLElement} */ (e.target).dataset?.variant;
      if (v) id.value = v;
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const notice = /** @type {HTMLElement} */ (form.querySelector('[data-cart-notice]'));
      const quantity = Number(/** @type {HTMLInputElement} */ (form.elements.namedItem('quantity')).value) || 1;
      notice.dataset.state = 'adding';
      notice.textContent = 'Adding…';
      try {
        const r = await fetch('/cart/add.js', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ items: [{ id: Number(id.value), quantity }] }),
        });
        const body = await r.json().catch(() => ({}));
        if (!r.ok) throw new Error(body.description || 'Could not add this to your cart.');
        notice.innerHTML = 'Added to your cart. <a href="/spa/cart" data-link>View cart</a>';
        notice.dataset.state = 'added';
        await refreshCount();
      } catch (err) {
        notice.textContent =
          err instanceof Error && err.message !== 'Failed to fetch'
            ? err.message
            : 'The store could not be reached. Please try again.';
        notice.dataset.state = 'error';
      }
    });
  }

  async function cart() {
    const c = await (await fetch('/cart.js')).json();
    setCount(c.item_count);
    if (!c.items.length) {
      app.innerHTML =
        '<h1>Your cart</h1><p class="empty">Your cart is empty. <a href="/spa/" data-link>Continue shopping</a></p>';
      return;
    }
    app.innerHTML = `<h1>Your cart</h1>
<table class="cart"><thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Total</th><th scope="col"><span class="sr">Remove</span></th></tr></thead>
<tbody>${c.items
      .map(
        (/** @type {any} */ it, /** @type {number} */ i) =>
          `<tr><td><a href="/spa/products/${esc(it.handle)}" data-link>${esc(it.title)}</a>${it.variant_title ? ` <span class="muted">(${esc(it.variant_title)})</span>` : ''}</td><td>${money(it.price / 100)}</td><td>${it.quantity}</td><td>${money(it.line_price / 100)}</td><td><button type="button" class="remove" data-remove-line="${i + 1}">Remove</button></td></tr>`,
      )
      .join('')}</tbody>
<tfoot><tr><th scope="row" colspan="3">Subtotal</th><td>${money(c.total_price / 100)}</td><td></td></tr></tfoot></table>
<p class="actions"><a href="/spa/" data-link>Continue shopping</a> <a class="button primary" href="/checkout" id="checkout-link">Check out</a></p>`;
  }

  const setCount = (/** @type {number} */ n) => {
    for (const el of document.querySelectorAll('[data-cart-count]')) el.textContent = String(n);
  };
  async function refreshCount() {
    const r = await fetch('/cart.js');
    if (r.ok) setCount((await r.json()).item_count);
  }

  // Links marked data-link are routes of the app; any other link (checkout, journal) leaves it.
  document.addEventListener('click', (e) => {
    const a = /** @type {HTMLElement} */ (e.target).closest?.('a[data-link]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const path = new URL(/** @type {HTMLAnchorElement} */ (a).href).pathname;
    if (path !== location.pathname) navigate(path);
  });
  document.addEventListener('click', async (e) => {
    const b = /** @type {HTMLElement} */ (e.target).closest?.('[data-remove-line]');
    if (!b) return;
    await fetch('/cart/change.js', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ line: Number(/** @type {HTMLElement} */ (b).dataset.removeLine), quantity: 0 }),
    });
    await cart();
  });
  addEventListener('popstate', () => show(location.pathname));

  fetch('/products.json')
    .then((r) => r.json())
    .then((j) => {
      products = j.products;
      return show(location.pathname);
    })
    .catch(
      () => void (app.innerHTML = '<h1>The store could not be loaded</h1><p><a href="/">Use the classic store</a></p>'),
    )
    .finally(() => (app.dataset.ready = 'true'));
})();
