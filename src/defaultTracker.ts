import { createTracker } from './tracker';
import type { Config, Properties, Tracker } from './types';
import { guard } from './lib/guard';
import { inBrowser } from './lib/inBrowser';
import { warn } from './lib/warn';
import { addToCart, completeOrder, startCheckout } from './commerce';
import { asObject } from './event';

let current: Tracker | undefined;

/**
 * Run `use` on the tracker made by `init()`. Never throws: what it throws is one warning naming
 * `what`. Before `init()`, a warning and nothing else; outside a browser (server-side rendering)
 * nothing at all, not even that.
 */
function withTracker(what: string, use: (tracker: Tracker) => void): void {
  if (!inBrowser()) return;
  if (current) guard(use, what + '() dropped')(current);
  else warn('call init() first: the call was dropped');
}

/**
 * Start engagekit: returns a tracker and makes it the one the module-level functions use. Outside
 * a browser (server-side rendering) the tracker does nothing and opens nothing.
 */
export function init(config?: Config): Tracker {
  current?.stop();
  return (current = createTracker(config));
}

/** Record a custom event with the tracker made by `init()`. */
export const track = (event: string, properties?: Properties): void =>
  withTracker('track', (tracker) => tracker.track(event, properties));
/** Record a page view with the tracker made by `init()`. */
export const page = (properties?: Properties): void => withTracker('page', (tracker) => tracker.page(properties));
/** Identify the user with the tracker made by `init()`. */
export const identify = (userId: string, traits?: Properties): void =>
  withTracker('identify', (tracker) => tracker.identify(userId, traits));
/** Send what is queued; resolves true when the queue is empty, false when the attempt failed. */
export const flush = (): Promise<boolean> => {
  if (!current && inBrowser()) warn('call init() first: the call was dropped');
  return current?.flush() || Promise.resolve(false);
};
/** New anonymous id, no user id, new session. */
export const reset = (): void => withTracker('reset', (tracker) => tracker.reset());
/** Stop capturing and discard what is queued. */
export const optOut = (): void => withTracker('optOut', (tracker) => tracker.optOut());
/** Capture again after `optOut()`. */
export const optIn = (): void => withTracker('optIn', (tracker) => tracker.optIn());

const trackWith = (tracker: Tracker) => (event: string, properties: Properties) => tracker.track(event, properties);
/** For carts engagekit cannot detect: `cart.add({ product_id, variant, sku, quantity, price, currency, cart_id })`. */
export const cart = {
  add: (item: Properties): void =>
    withTracker('cart.add', (tracker) => addToCart(trackWith(tracker), asObject(item, 'item') || {}, 'api')),
};
/** `checkout.start(properties?)`: Checkout Started, once per cart. */
export const checkout = {
  start: (properties?: Properties): void =>
    withTracker('checkout.start', (tracker) => startCheckout(trackWith(tracker), asObject(properties, 'properties'))),
};
/** `order.complete({ order_id, total, revenue, currency, products })`: Order Completed; the cart is empty again. */
export const order = {
  complete: (properties?: Properties): void =>
    withTracker('order.complete', (tracker) => completeOrder(trackWith(tracker), asObject(properties, 'properties'))),
};
