import type { Properties } from '../../types';
import { jsonLdNode, known, toNumber, type Json } from './jsonLd';

/**
 * What a product page says of its product, as `Product Viewed` properties (product_id, variant,
 * sku, name, brand, category, price, currency), or undefined on a page that is no product page.
 * Read from the platform's own product data, standard data only:
 * - Shopify's `ShopifyAnalytics.meta.product` (what Shopify's storefront defines on product pages
 *   for its own analytics: id, vendor, type, variants with prices in cents) and
 *   `meta.selectedVariantId`;
 * - else a schema.org `Product` (or `ProductGroup`) in JSON-LD, which WooCommerce, BigCommerce's
 *   Cornerstone, Shopify's Dawn, PrestaShop's and Magento's SEO modules write: productID (else
 *   productGroupID, else sku), sku, name, brand, category and the first offer's price and currency.
 * Only these named fields are read. The page's objects are only read, never changed.
 */
export function productDetails(): Properties | undefined {
  const meta = (window as { ShopifyAnalytics?: { meta?: Json } }).ShopifyAnalytics?.meta;
  const shopifyProduct = meta?.product;
  if (shopifyProduct?.id) {
    const variant =
      [].concat(shopifyProduct.variants || []).find((candidate: Json) => candidate.id == meta!.selectedVariantId) ||
      ({} as Json);
    return known({
      product_id: '' + shopifyProduct.id,
      variant: variant.id == null ? undefined : '' + variant.id,
      sku: variant.sku,
      name: variant.name,
      brand: shopifyProduct.vendor,
      category: shopifyProduct.type,
      price: toNumber(variant.price) == null ? undefined : variant.price / 100,
      currency: meta!.currency,
    });
  }
  const product = jsonLdNode(['Product', 'ProductGroup']);
  if (!product) return;
  const offer: Json = [].concat(product.offers || [])[0] || {};
  const id = product.productID ?? product.productGroupID ?? product.sku;
  return known({
    product_id: id == null ? undefined : '' + id,
    sku: product.sku,
    name: product.name,
    brand: product.brand?.name ?? product.brand,
    category: product.category,
    price: toNumber(offer.price ?? offer.lowPrice),
    currency: offer.priceCurrency,
  });
}
