import type { Properties } from '../../types';

// JSON-LD as the page wrote it: any shape.
type Json = Record<string, any>;
const num = (v: unknown) => (v == null || v === '' || isNaN(+v!) ? undefined : +v!);

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
  let o: Json | undefined;
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v == 'object') v['@type'] == 'Order' ? (o ||= v) : walk(v['@graph']);
  };
  document.querySelectorAll('script[type="application/ld+json"]').forEach((s) => {
    try {
      walk(JSON.parse(s.textContent!));
    } catch {
      // a broken block of the page's is not ours to report
    }
  });
  if (!o) return {};
  const due = o.partOfInvoice?.totalPaymentDue || {};
  const total = num(o.price ?? due.price ?? due.value);
  const d: Properties = {
    order_id: o.orderNumber,
    total,
    revenue: total,
    currency: o.priceCurrency || due.priceCurrency,
    products: [].concat(o.acceptedOffer || []).map((f: Json) => ({
      product_id: f.itemOffered?.productID ?? f.itemOffered?.sku,
      sku: f.itemOffered?.sku,
      name: f.itemOffered?.name,
      quantity: num(f.eligibleQuantity?.value) ?? 1,
      price: num(f.price),
    })),
  };
  if (d.order_id != null) d.order_id = '' + d.order_id;
  // Unknown fields are left out, not sent as null (and do not hide an id found in the URL).
  for (const k in d) if (d[k] == null || d[k] === '') delete d[k];
  return d;
}
