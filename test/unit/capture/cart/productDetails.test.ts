import { afterEach, describe, expect, it } from 'vitest';
import { productDetails } from '../../../../src/capture/cart/productDetails';

const ld = (json: unknown) => `<script type="application/ld+json">${JSON.stringify(json)}</script>`;

afterEach(() => {
  document.body.innerHTML = '';
  delete (window as { ShopifyAnalytics?: unknown }).ShopifyAnalytics;
});

describe('productDetails', () => {
  it('reads a JSON-LD Product (WooCommerce shape, inside @graph): id, sku, name, brand, category, price, currency', () => {
    document.body.innerHTML = ld({
      '@context': 'https://schema.org/',
      '@graph': [
        { '@type': 'BreadcrumbList' },
        {
          '@type': 'Product',
          '@id': 'https://shop.example/product/beanie/#product',
          name: 'Beanie',
          sku: 'woo-beanie',
          productID: 55,
          brand: { '@type': 'Brand', name: 'Woo' },
          category: 'Accessories',
          offers: [{ '@type': 'Offer', price: '18.00', priceCurrency: 'EUR' }],
          review: [{ author: { name: 'Ada' } }],
        },
      ],
    });
    expect(productDetails()).toEqual({
      product_id: '55',
      sku: 'woo-beanie',
      name: 'Beanie',
      brand: 'Woo',
      category: 'Accessories',
      price: 18,
      currency: 'EUR',
    });
  });

  it("prefers Shopify's ShopifyAnalytics.meta product with the selected variant (prices in cents)", () => {
    (window as { ShopifyAnalytics?: unknown }).ShopifyAnalytics = {
      meta: {
        currency: 'USD',
        selectedVariantId: '4002',
        product: {
          id: 7012,
          vendor: 'Acme',
          type: 'Shirts',
          variants: [
            { id: 4001, price: 1500, name: 'Tee - Blue', sku: 'TEE-B' },
            { id: 4002, price: 2000, name: 'Tee - Red', sku: 'TEE-R' },
          ],
        },
      },
    };
    document.body.innerHTML = ld({ '@type': 'Product', name: 'ignored' });
    expect(productDetails()).toEqual({
      product_id: '7012',
      variant: '4002',
      sku: 'TEE-R',
      name: 'Tee - Red',
      brand: 'Acme',
      category: 'Shirts',
      price: 20,
      currency: 'USD',
    });
  });

  it('is undefined on a page without product data, and skips broken blocks', () => {
    document.body.innerHTML = '<script type="application/ld+json">{broken</script>' + ld({ '@type': 'Organization' });
    expect(productDetails()).toBeUndefined();
  });
});
