/**
 * What a standard checkout URL of the supported platforms says: `['order', id?]` for a
 * thank-you / order-confirmation page, `['checkout']` for a checkout page, undefined otherwise.
 * Shopify (`/checkouts/…`, `/checkouts/…/thank_you` or `…/thank-you`), WooCommerce (`/checkout/`,
 * `/checkout/order-received/ID/`), Magento 2 (`/checkout/`, `/checkout/onepage/success/`),
 * BigCommerce (`/checkout`, `/checkout/order-confirmation/ID`), PrestaShop (`/order`,
 * `controller=order`, `order-confirmation`, `id_order=ID`).
 */
export function checkoutPage(href: string): [kind: 'order' | 'checkout', id?: string] | undefined {
  const u = new URL(href);
  const path = u.pathname + '?' + u.searchParams.get('controller');
  // Whole segments under the platforms' own paths: a site's /thank-you page after a contact form is no order.
  const order =
    /checkouts?\/.*thank[_-]you|order-received\/(\d+)|onepage\/success|[/?]order-confirmation(?:\/(\d+))?\/?(\?|$)/.exec(
      path,
    );
  if (order) return ['order', order[1] || order[2] || u.searchParams.get('id_order') || undefined];
  // Magento's cart page lives at /checkout/cart/: not a checkout.
  if (/\/checkouts?(?!\/cart)(\/|\?)|\/order\/?\?|\?order$/.test(path)) return ['checkout'];
}
