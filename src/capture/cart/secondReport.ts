import type { Properties } from '../../types';

/** A product event counted on this page: what it named, who saw it, when, and whether it was paired. */
interface Counted {
  _event: string;
  _ids: string[];
  _fromDataLayer: boolean;
  _at: number;
  _paired?: boolean;
}

/** Two reports of the same product within this long may be one, when they name the same product. */
export const SAME_PRODUCT_WINDOW = 30_000;
/** Two reports this close are one even when their ids differ (a GA4 item_id that is a SKU). */
export const SAME_GESTURE_WINDOW = 3_000;

// This page's product events, newest last (only those within SAME_PRODUCT_WINDOW are kept).
let counted: Counted[] = [];

/**
 * The ids an event names: product_id, variant, sku and order_id, and the parts of each between
 * underscores, because Shopify's Google channel sends `item_id: "shopify_US_<product>_<variant>"`.
 */
const idsOf = (item: Properties) =>
  [item.product_id, item.variant, item.sku, item.order_id].flatMap((id) =>
    id == null ? [] : ('' + id).split('_').concat('' + id),
  );

/**
 * Whether an event (`Product Added`, `Product Viewed`, `Cart Viewed`, `Order Completed`) is the second report of one already
 * counted: a platform detector (or the page's markup) and the site's GA4 `dataLayer` both see the
 * same add, in either order. Each report pairs with at most one of the other kind: the oldest
 * unpaired one of the same event within SAME_PRODUCT_WINDOW that shares an id, else the oldest
 * within SAME_GESTURE_WINDOW. Two adds of the same item are four reports, paired into two adds;
 * a report with no partner is counted. Kept for this page only.
 */
export function secondReport(event: string, item: Properties, fromDataLayer: boolean, now = Date.now()): boolean {
  counted = counted.filter((earlier) => now - earlier._at < SAME_PRODUCT_WINDOW);
  const ids = idsOf(item);
  const candidates = counted.filter(
    (earlier) => earlier._event == event && earlier._fromDataLayer != fromDataLayer && !earlier._paired,
  );
  const partner =
    candidates.find((earlier) => earlier._ids.some((id) => ids.includes(id))) ||
    candidates.find((earlier) => now - earlier._at < SAME_GESTURE_WINDOW);
  if (partner) partner._paired = true;
  else counted.push({ _event: event, _ids: ids, _fromDataLayer: fromDataLayer, _at: now });
  return !!partner;
}
