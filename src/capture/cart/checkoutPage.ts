/**
 * What a standard checkout URL of the supported platforms says: `['order', id?]` for a
 * thank-you / order-confirmation page, `['checkout']` for a checkout page, `['cart']` for the cart
 * page (Shopify and WooCommerce `/cart`, Magento 2 `/checkout/cart/`, BigCommerce `/cart.php`,
 * PrestaShop `/cart` and `controller=cart`), undefined otherwise.
 * Shopify (`/checkouts/…`, `/checkouts/…/thank_you` or `…/thank-you`), WooCommerce (`/checkout/`,
 * `/checkout/order-received/ID/`), Magento 2 (`/checkout/`, `/checkout/onepage/success/`),
 * BigCommerce (`/checkout`, `/checkout/order-confirmation/ID`), PrestaShop (`/order`,
 * `controller=order`, `order-confirmation`, `id_order=ID`). Anything that is not an absolute URL
 * is neither.
 */
export function checkoutPage(href: string): [kind: 'order' | 'checkout' | 'cart', id?: string] | undefined {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(href);
  } catch {
    return;
  }
  // The path, then PrestaShop's `controller` parameter as if it were the query: `/index.php?order`.
  const pathAndController = parsedUrl.pathname + '?' + parsedUrl.searchParams.get('controller');
  // Whole segments under the platforms' own paths: a site's /thank-you page after a contact form is no order.
  const orderMatch =
    /checkouts?\/.*thank[_-]you|order-received\/(\d+)|onepage\/success|[/?]order-confirmation(?:\/(\d+))?\/?(\?|$)/.exec(
      pathAndController,
    );
  if (orderMatch) {
    return ['order', orderMatch[1] || orderMatch[2] || parsedUrl.searchParams.get('id_order') || undefined];
  }
  // Magento's cart page lives at /checkout/cart/: not a checkout.
  if (/\/checkouts?(?!\/cart)(\/|\?)|\/order\/?\?|\?order$/.test(pathAndController)) return ['checkout'];
  // The whole path (locale-prefixed too): /cart/add (a request's URL) or /products/cart is no cart page.
  if (/^(\/[a-z]{2}(-[a-z]{2})?)?\/cart(\.php)?\/?\?|\/checkout\/cart\/?\?|\?cart$/.test(pathAndController))
    return ['cart'];
}
