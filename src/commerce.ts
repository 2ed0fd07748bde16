import type { Properties } from './types';
import { load, save } from './lib/storage';
import { uuid } from './lib/uuid';

type Track = (event: string, properties: Properties) => void;

/** An add seen by one signal is not counted again by another within this long. */
const SAME_ADD_MS = 3000;
/** The last add counted, as its key (product, variant, sku, quantity), and when. */
let lastAddKey = '';
let lastAddAt = 0;

/**
 * What makes two adds the same: product, variant, sku and quantity. A BigInt (`product_id: 10n`)
 * is written as text, as JSON.stringify would otherwise throw; a cyclic value makes the add unlike
 * any other.
 */
function addKeyOf(item: Properties): string {
  try {
    return JSON.stringify([item.product_id, item.variant, item.sku, item.quantity], (_key, value) =>
      typeof value == 'bigint' ? value + 'n' : value,
    );
  } catch {
    return uuid();
  }
}

/**
 * `Product Added`, preceded by `Cart Started` when it is the first add to an empty cart (once per
 * cart: per `cart_id` when the platform names it, else until an order empties it). The same add
 * seen twice within 3 s — a form submit and the request it makes, say — counts once.
 * `source` says what saw it: `api`, `markup`, or the platform's name. Callers run it guarded (see
 * lib/guard.ts): an item whose getters throw is dropped with a warning before anything is stored.
 */
export function addToCart(track: Track, given: Properties, source: string): void {
  // A copy: the page's getters run once, here, before anything is stored or counted.
  const item = { ...given };
  const addKey = addKeyOf(item);
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
