import type { Properties } from './types';
import { load, save } from './lib/storage';

type Track = (event: string, properties: Properties) => void;

/**
 * `Product Added`, preceded by `Cart Started` when it is the first add to an empty cart (once per
 * cart: per `cart_id` when the platform names it, else until an order empties it). Every call is one
 * add: two adds of the same item are two (automatic capture pairs each click or submit with its own
 * request, see onCartAdds, so no time window decides what is the same add).
 * `source` says what saw it: `api`, `markup`, or the platform's name. Callers run it guarded (see
 * lib/guard.ts): an item whose getters throw is dropped with a warning before anything is stored.
 */
export function addToCart(track: Track, given: Properties, source: string): void {
  // A copy: the page's getters run once, here, before anything is stored or counted.
  const item = { ...given };
  // An add without a cart_id (automatic capture) is to the cart there is; one first seen without
  // its id ('1') is the same cart once the site names it.
  const storedCart = load('cart');
  const cartId = String(item.cart_id ?? (storedCart || 1));
  if (storedCart != cartId) {
    save('cart', cartId);
    if (storedCart != '1') track('Cart Started', { cart_id: item.cart_id, source });
  }
  track('Product Added', { ...item, source });
}

/** `Checkout Started`, once per cart. */
export function startCheckout(track: Track, properties: Properties = {}): void {
  if (load('checkout') == (load('cart') || 1)) return;
  save('checkout', load('cart') || '1');
  track('Checkout Started', properties);
}

/** `Order Completed` {order_id, total, revenue, currency, products}; the cart is empty again. */
export function completeOrder(track: Track, given: Properties = {}): void {
  // A copy, as in addToCart: getters run once, before anything is stored.
  const properties = { ...given };
  const orderId = String(properties.order_id ?? '');
  if (orderId && load('order') == orderId) return; // a reload of the thank-you page is not a second order
  save('order', orderId);
  save('cart', undefined);
  save('checkout', undefined);
  track('Order Completed', properties);
}
