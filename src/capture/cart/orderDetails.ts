import type { Properties } from '../../types';
import { jsonLdNode, known, toNumber, type Json } from './jsonLd';

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
  const order = jsonLdNode(['Order']);
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
  return known(details);
}
