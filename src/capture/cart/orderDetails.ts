import type { Properties } from '../../types';

// JSON-LD as the page wrote it: any shape, every field read with `?.` and `??` as possibly missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a precise type would need a cast at each read
type Json = Record<string, any>;

/** A number from a JSON-LD value (`42`, `"42.00"`), undefined when it is none. */
const toNumber = (value: unknown) => (value == null || value === '' || isNaN(+value!) ? undefined : +value!);

/**
 * What an order-confirmation page says of its order, from standard data only: a schema.org
 * `Order` in JSON-LD (also inside `@graph`): orderNumber, price (or
 * partOfInvoice.totalPaymentDue), priceCurrency and the acceptedOffer items. Returns
 * `Order Completed` properties (order_id, total, revenue, currency, products) without the fields
 * the page does not give; {} when it has no Order. Only these named fields are read (an Order's
 * customer, say, never is). Shopify's old `Shopify.checkout` object is not read: its new
 * checkout no longer has it.
 */
export function orderDetails(): Properties {
  let order: Json | undefined;
  // The first Order: in a block, a list of them, or a `@graph`.
  const findOrder = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(findOrder);
    else if (node && typeof node == 'object') {
      if (node['@type'] == 'Order') order ||= node;
      else findOrder(node['@graph']);
    }
  };
  document.querySelectorAll('script[type="application/ld+json"]').forEach((script) => {
    try {
      findOrder(JSON.parse(script.textContent!));
    } catch {
      // a broken block of the page's is not ours to report
    }
  });
  if (!order) return {};
  const totalDue = order.partOfInvoice?.totalPaymentDue || {};
  const total = toNumber(order.price ?? totalDue.price ?? totalDue.value);
  const details: Properties = {
    order_id: order.orderNumber,
    total,
    revenue: total,
    currency: order.priceCurrency || totalDue.priceCurrency,
    products: [].concat(order.acceptedOffer || []).map((offer: Json) => ({
      product_id: offer.itemOffered?.productID ?? offer.itemOffered?.sku,
      sku: offer.itemOffered?.sku,
      name: offer.itemOffered?.name,
      quantity: toNumber(offer.eligibleQuantity?.value) ?? 1,
      price: toNumber(offer.price),
    })),
  };
  if (details.order_id != null) details.order_id = '' + details.order_id;
  // Unknown fields are left out, not sent as null (and do not hide an id found in the URL).
  for (const key in details) if (details[key] == null || details[key] === '') delete details[key];
  return details;
}
