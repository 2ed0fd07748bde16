import type { Properties } from './types';
import { load, save } from './lib/storage';

type Track = (event: string, properties: Properties) => void;

/** An add seen by one signal is not counted again by another within this long. */
const SAME_ADD_MS = 3000;
/** The last add counted, as its key (product, variant, sku, quantity), and when. */
let lastAddKey = '';
let lastAddAt = 0;

/**
 * `Product Added`, preceded by `Cart Started` when it is the first add to an empty cart (once per
 * cart: per `cart_id` when the platform names it, else until an order empties it). The same add
 * seen twice within 3 s — a form submit and the request it makes, say — counts once.
 * `source` says what saw it: `api`, `markup`, or the platform's name.
 */
export function addToCart(track: Track, item: Properties, source: string): void {
  const addKey = JSON.stringify([item.product_id, item.variant, item.sku, item.quantity]);
  const now = Date.now();
  if (addKey == lastAddKey && now - lastAddAt < SAME_ADD_MS) return;
  lastAddKey = addKey;
  lastAddAt = now;
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
export function completeOrder(track: Track, properties: Properties = {}): void {
  const orderId = String(properties.order_id ?? '');
  if (orderId && load('order') == orderId) return; // a reload of the thank-you page is not a second order
  save('order', orderId);
  save('cart', undefined);
  save('checkout', undefined);
  track('Order Completed', properties);
}
