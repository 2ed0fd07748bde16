import { createTracker } from './tracker';
import type { Config, Properties, Tracker } from './types';
import { warn } from './lib/warn';
import { addToCart, completeOrder, startCheckout } from './commerce';
import { asObject } from './event';

let current: Tracker | undefined;

/** The tracker made by `init()`; before that, undefined and a warning. */
const trackerOrWarn = (): Tracker | undefined => current || void warn('call init() first: the call was dropped');

/** Start engagekit: returns a tracker and makes it the one the module-level functions use. */
export function init(config?: Config): Tracker {
  current?.stop();
  return (current = createTracker(config));
}

/** Record a custom event with the tracker made by `init()`. */
export const track = (event: string, properties?: Properties): void => trackerOrWarn()?.track(event, properties);
/** Record a page view with the tracker made by `init()`. */
export const page = (properties?: Properties): void => trackerOrWarn()?.page(properties);
/** Identify the user with the tracker made by `init()`. */
export const identify = (userId: string, traits?: Properties): void => trackerOrWarn()?.identify(userId, traits);
/** Send what is queued; resolves true when the queue is empty, false when the attempt failed. */
export const flush = (): Promise<boolean> => trackerOrWarn()?.flush() || Promise.resolve(false);
/** New anonymous id, no user id, new session. */
export const reset = (): void => trackerOrWarn()?.reset();
/** Stop capturing and discard what is queued. */
export const optOut = (): void => trackerOrWarn()?.optOut();
/** Capture again after `optOut()`. */
export const optIn = (): void => trackerOrWarn()?.optIn();

const trackWith = (event: string, properties: Properties) => trackerOrWarn()?.track(event, properties);
/** For carts engagekit cannot detect: `cart.add({ product_id, variant, sku, quantity, price, currency, cart_id })`. */
export const cart = { add: (item: Properties): void => addToCart(trackWith, asObject(item, 'item') || {}, 'api') };
/** `checkout.start(properties?)`: Checkout Started, once per cart. */
export const checkout = {
  start: (properties?: Properties): void => startCheckout(trackWith, asObject(properties, 'properties')),
};
/** `order.complete({ order_id, total, revenue, currency, products })`: Order Completed; the cart is empty again. */
export const order = {
  complete: (properties?: Properties): void => completeOrder(trackWith, asObject(properties, 'properties')),
};
