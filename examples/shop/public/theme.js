// The store theme's own script, doing what a Shopify theme's does: a variant picker and an AJAX
// add-to-cart that posts to /cart/add.js and stays on the page. It contains no tracking code:
// engagekit's script tag sees the /cart/add.js request (and the forms) by itself.
(() => {
  'use strict';

  /** Update the header's cart count from the cart itself (the source of truth). */
  async function refreshCount() {
    const r = await fetch('/cart.js', { headers: { Accept: 'application/json' } });
    if (!r.ok) return;
    const cart = await r.json();
    for (const el of document.querySelectorAll('[data-cart-count]')) el.textContent = String(cart.item_count);
  }

  /** @param {HTMLFormElement} form */
  function enhance(form) {
    const id = /** @type {HTMLInputElement} */ (form.elements.namedItem('id'));
    const quantity = /** @type {HTMLInputElement} */ (form.elements.namedItem('quantity'));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'));
    const notice = /** @type {HTMLElement} */ (form.querySelector('[data-cart-notice]'));

    // The size radios carry their variant id; the hidden `id` field is what the cart receives.
    form.addEventListener('change', (e) => {
      const v = /** @type {HTMLElement} */ (e.target).dataset?.variant;
      if (v) id.value = v;
    });

    // Runs only once the browser's own validation (quantity 1–10) has passed.
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      button.disabled = true;
      notice.dataset.state = 'adding';
      notice.textContent = 'Adding…';
      try {
        const r = await fetch('/cart/add.js', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ items: [{ id: Number(id.value), quantity: Number(quantity.value) || 1 }] }),
        });
        const body = await r.json().catch(() => ({}));
        if (!r.ok) throw new Error(body.description || 'Could not add this to your cart. Please try again.');
        const view = document.createElement('a');
        view.href = '/cart';
        view.textContent = 'View cart';
        notice.replaceChildren('Added to your cart. ', view);
        notice.dataset.state = 'added';
        await refreshCount();
      } catch (err) {
        notice.textContent =
          err instanceof Error && err.message !== 'Failed to fetch'
            ? err.message
            : 'The store could not be reached. Please try again.';
        notice.dataset.state = 'error';
      } finally {
        button.disabled = false;
      }
    });
  }

  for (const form of document.querySelectorAll('form[data-product-form]'))
    enhance(/** @type {HTMLFormElement} */ (form));
})();
