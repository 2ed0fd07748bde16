import type { Properties } from '../../types';
import { onDataLayer } from '../../lib/dataLayer';

// A GA4 event's parameters as the page pushed them: any shape, every field read as possibly missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a precise type would need a cast at each read
type Ga4 = Record<string, any>;

/**
 * GA4's recommended e-commerce events (https://developers.google.com/analytics/devguides/collection/ga4/reference/events)
 * and the Segment e-commerce events they are (https://segment.com/docs/connections/spec/ecommerce/v2/).
 */
export const GA4_EVENTS: Record<string, string> = {
  view_item: 'Product Viewed',
  view_item_list: 'Product List Viewed',
  add_to_cart: 'Product Added',
  remove_from_cart: 'Product Removed',
  view_cart: 'Cart Viewed',
  begin_checkout: 'Checkout Started',
  add_shipping_info: 'Checkout Step Completed',
  add_payment_info: 'Payment Info Entered',
  purchase: 'Order Completed',
  refund: 'Order Refunded',
};

/** A number from a GA4 value (`42`, `"42.00"`); undefined when it is none. */
const toNumber = (value: unknown) => (value == null || isNaN(value as number) ? undefined : +value);

/** A GA4 item as a Segment product: only these named fields are read. */
const productOf = (item: Ga4): Properties => ({
  product_id: item.item_id,
  variant: item.item_variant,
  name: item.item_name,
  brand: item.item_brand,
  category: item.item_category,
  price: toNumber(item.price),
  quantity: toNumber(item.quantity),
});

/**
 * The GA4 bridge: the e-commerce events a site already tells Google about, as Segment e-commerce
 * events. Reads `window.dataLayer` (see lib/dataLayer.ts: the entries already there, then every
 * push, whether Google Tag Manager replaced `push` before or after us), in both shapes the plugins
 * push: GTM's `{ event: 'add_to_cart', ecommerce: { currency, value, items } }` (WooCommerce's and
 * Magento's GA4 modules, hand-made GTM setups) and gtag's `arguments`,
 * `gtag('event', 'purchase', { transaction_id, value, items })` (Shopify's Google channel). Each
 * GA4 event becomes (GA4_EVENTS):
 * - `Product Viewed`, `Product Added`, `Product Removed`: one per item, its fields (item_id →
 *   product_id, item_variant → variant, item_name → name, item_brand → brand, item_category →
 *   category, price, quantity) and the currency;
 * - the others one each, with `products` and whichever of these the event has: order_id
 *   (transaction_id), value, currency, coupon, tax, shipping, list_id and category
 *   (item_list_id, item_list_name), shipping_method (shipping_tier), payment_method
 *   (payment_type); `Order Completed` also has revenue (GA4's value, which leaves out tax and
 *   shipping) and total (value + tax + shipping), `Order Refunded` total (value);
 *   `Checkout Step Completed` (add_shipping_info) is step 3 and `Payment Info Entered`
 *   (add_payment_info) step 4 of the checkout's contact (1), address (2), shipping (3) and
 *   payment (4) steps.
 * `report(event, properties)` is called for each; the caller applies the cart rules (one Cart
 * Started per cart, one order per order_id). Anything else on `dataLayer` is ignored, and no entry
 * can make it throw. Outside a browser it does nothing. Returns a stop function.
 *
 * Not built on safeStart (no warning to give: nothing it is given can fail), to stay small.
 */
export function onGa4Commerce(report: (event: string, properties: Properties) => void): () => void {
  if (typeof window == 'undefined') return () => {};
  // An entry that is no object (null, a number) throws on the first read: onDataLayer skips it.
  return onDataLayer((given) => {
    const entry = given as Ga4;
    // gtag's arguments object ['event', name, parameters], or GTM's { event, ecommerce }.
    const isGtag = entry[0] === 'event';
    const name = isGtag ? entry[1] : entry.event;
    // Own names only: an event named `constructor` finds nothing on Object.prototype.
    const segmentEvent = Object.keys(GA4_EVENTS).includes(name) && GA4_EVENTS[name];
    const parameters: Ga4 = (isGtag ? entry[2] : entry.ecommerce) || {};
    if (!segmentEvent) return;
    const products = [].concat(parameters.items || []).map(productOf);
    const currency = parameters.currency;
    if (/^Product [AVR]/.test(segmentEvent))
      return products.forEach((product) => report(segmentEvent, { ...product, currency }));
    const value = toNumber(parameters.value);
    const tax = toNumber(parameters.tax);
    const shipping = toNumber(parameters.shipping);
    const isPurchase = name == 'purchase';
    report(segmentEvent, {
      order_id: parameters.transaction_id,
      value,
      revenue: isPurchase ? value : undefined,
      total: isPurchase ? (value || 0) + (tax || 0) + (shipping || 0) : name == 'refund' ? value : undefined,
      tax,
      shipping,
      coupon: parameters.coupon,
      currency,
      list_id: parameters.item_list_id,
      category: parameters.item_list_name,
      shipping_method: parameters.shipping_tier,
      payment_method: parameters.payment_type,
      step: name == 'add_shipping_info' ? 3 : name == 'add_payment_info' ? 4 : undefined,
      products,
    });
  });
}
