/**
 * The rest of the funnel on the platforms, with nothing but the script tag: Product Viewed from a
 * product page's own product data (JSON-LD Product, Shopify's ShopifyAnalytics.meta), once even when
 * the site's GA4 view_item says it too; Cart Viewed on the platforms' cart pages.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, named } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300', 'web-vitals': 'false', engagement: 'false' });
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  await collector.up();
  await site.start();
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
  await collector.close();
  await site.close();
});
beforeEach(() => collector.reset());

/** Track a marker and wait for it: whatever the page tracked before it has arrived too. */
const settle = async (page: Page) => {
  await page.evaluate(() =>
    (window as unknown as { engagekit: (m: string, e: string) => void }).engagekit('track', 'Marker'),
  );
  await collector.waitFor(1, named('Marker'));
};

describe('funnel on the platforms', () => {
  it("WooCommerce product page: Product Viewed from its JSON-LD, once with the GA4 plugin's view_item", async () => {
    site.bodies['/product/beanie/'] = `<script type="application/ld+json">${JSON.stringify({
      '@context': 'https://schema.org/',
      '@graph': [
        {
          '@type': 'Product',
          name: 'Beanie',
          sku: 'woo-beanie',
          productID: 55,
          offers: [{ '@type': 'Offer', price: '18.00', priceCurrency: 'EUR' }],
        },
      ],
    })}</script>
      <script>window.dataLayer = window.dataLayer || []; dataLayer.push({ event: 'view_item', ecommerce: { currency: 'EUR', value: 18, items: [{ item_id: 'woo-beanie', item_name: 'Beanie', price: 18 }] } });</script>`;
    const page = await openTracked(browser.context, site.url('/product/beanie/'));
    const [viewed] = await collector.waitFor(1, named('Product Viewed'));
    await settle(page);
    expect(collector.stored(named('Product Viewed'))).toHaveLength(1);
    expect(viewed.properties).toMatchObject({ name: 'Beanie', price: 18, currency: 'EUR' });
  });

  it('Shopify product page: Product Viewed from ShopifyAnalytics.meta with the selected variant', async () => {
    site.heads['/products/tee'] =
      `<script>window.ShopifyAnalytics = { meta: { currency: 'USD', selectedVariantId: '4002', product: { id: 7012, vendor: 'Acme', type: 'Shirts', variants: [{ id: 4002, price: 2000, name: 'Tee - Red', sku: 'TEE-R' }] } } };</script>`;
    const page = await openTracked(browser.context, site.url('/products/tee'));
    const [viewed] = await collector.waitFor(1, named('Product Viewed'));
    await settle(page);
    expect(viewed.properties).toMatchObject({ product_id: '7012', variant: '4002', price: 20, currency: 'USD' });
  });

  it('cart pages are Cart Viewed: Shopify /cart, Magento /checkout/cart/, BigCommerce /cart.php', async () => {
    const page = await openTracked(browser.context, site.url('/cart'));
    await openTracked(browser.context, site.url('/checkout/cart/'), page);
    await openTracked(browser.context, site.url('/cart.php'), page);
    await settle(page);
    expect(collector.stored(named('Cart Viewed')).map((m) => m.context.page.path)).toEqual([
      '/cart',
      '/checkout/cart/',
      '/cart.php',
    ]);
    expect(collector.stored(named('Checkout Started'))).toHaveLength(0);
  });
});
