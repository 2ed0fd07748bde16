import { afterEach, describe, expect, it } from 'vitest';
import { orderDetails } from '../../../../src/capture/cart/orderDetails';

afterEach(() => {
  document.body.innerHTML = '';
});
const addJsonLd = (json: unknown) => {
  const script = document.createElement('script');
  script.type = 'application/ld+json';
  script.textContent = typeof json == 'string' ? json : JSON.stringify(json);
  document.body.append(script);
};

describe('orderDetails', () => {
  it('reads a schema.org Order from JSON-LD, inside @graph too, next to broken and unrelated blocks', () => {
    addJsonLd('{ not json');
    addJsonLd({ '@type': 'Organization', name: 'Shop' });
    addJsonLd({
      '@context': 'https://schema.org',
      '@graph': [
        { '@type': 'WebPage' },
        {
          '@type': 'Order',
          orderNumber: 1001,
          price: '84.00',
          priceCurrency: 'EUR',
          customer: { email: 'ada@example.com' },
          acceptedOffer: [
            {
              '@type': 'Offer',
              itemOffered: { '@type': 'Product', sku: 'TEE-M', name: 'T-shirt' },
              price: '42.00',
              eligibleQuantity: { value: 2 },
            },
          ],
        },
      ],
    });
    expect(orderDetails()).toEqual({
      order_id: '1001',
      total: 84,
      revenue: 84,
      currency: 'EUR',
      products: [{ product_id: 'TEE-M', sku: 'TEE-M', name: 'T-shirt', quantity: 2, price: 42 }],
    });
    expect(JSON.stringify(orderDetails())).not.toContain('ada@');
  });

  it('takes the total from partOfInvoice when the Order has no price, and one offer as a list', () => {
    addJsonLd({
      '@type': 'Order',
      orderNumber: 'A-7',
      acceptedOffer: { itemOffered: { productID: 'P1' }, price: 10 },
      partOfInvoice: { totalPaymentDue: { price: 12.5, priceCurrency: 'USD' } },
    });
    expect(orderDetails()).toEqual({
      order_id: 'A-7',
      total: 12.5,
      revenue: 12.5,
      currency: 'USD',
      products: [{ product_id: 'P1', quantity: 1, price: 10 }],
    });
  });

  it('says nothing on a page without an Order', () => {
    addJsonLd({ '@type': 'Product', sku: 'X' });
    expect(orderDetails()).toEqual({});
  });
});
