import { describe, expect, it } from 'vitest';
import { checkoutPage } from '../../../../src/capture/cart/checkoutPage';

const at = (pathAndQuery: string) => checkoutPage('https://shop.example' + pathAndQuery);

describe('checkoutPage', () => {
  it('cart pages: Shopify and WooCommerce /cart, BigCommerce /cart.php, PrestaShop controller=cart; not an add or a product named cart', () => {
    expect(at('/cart')).toEqual(['cart']);
    expect(at('/fr/cart')).toEqual(['cart']);
    expect(at('/cart/')).toEqual(['cart']);
    expect(at('/cart.php')).toEqual(['cart']);
    expect(at('/index.php?controller=cart&action=show')).toEqual(['cart']);
    expect(at('/cart/add')).toBeUndefined();
    expect(at('/products/cart')).toBeUndefined();
  });

  it('Shopify: /checkouts/… is a checkout, its thank_you / thank-you page an order', () => {
    expect(at('/checkouts/cn/Z2NwLXVzLWVhc3Qx')).toEqual(['checkout']);
    expect(at('/12345/checkouts/abc123')).toEqual(['checkout']);
    expect(at('/checkouts/cn/Z2NwLXVzLWVhc3Qx/thank-you')).toEqual(['order', undefined]);
    expect(at('/12345/checkouts/abc123/thank_you')).toEqual(['order', undefined]);
  });

  it('WooCommerce: /checkout/ is a checkout, /checkout/order-received/ID/ an order with its id', () => {
    expect(at('/checkout/')).toEqual(['checkout']);
    expect(at('/checkout/order-received/123/?key=wc_order_abc')).toEqual(['order', '123']);
    expect(at('/fr/commander/order-received/77/')).toEqual(['order', '77']);
  });

  it('Magento 2: /checkout/ is a checkout, /checkout/onepage/success/ an order, /checkout/cart/ the cart', () => {
    expect(at('/checkout/')).toEqual(['checkout']);
    expect(at('/checkout/#shipping')).toEqual(['checkout']);
    expect(at('/checkout/onepage/success/')).toEqual(['order', undefined]);
    expect(at('/checkout/cart/')).toEqual(['cart']);
    expect(at('/checkout/cart')).toEqual(['cart']);
    expect(at('/checkout/cart/?coupon=x')).toEqual(['cart']);
  });

  it('BigCommerce: /checkout is a checkout, /checkout/order-confirmation/ID an order with its id', () => {
    expect(at('/checkout')).toEqual(['checkout']);
    expect(at('/checkout/order-confirmation/55')).toEqual(['order', '55']);
    expect(at('/checkout/order-confirmation')).toEqual(['order', undefined]);
  });

  it('PrestaShop: /order and controller=order are a checkout, order-confirmation with id_order an order', () => {
    expect(at('/order')).toEqual(['checkout']);
    expect(at('/en/order')).toEqual(['checkout']);
    expect(at('/order/?step=2')).toEqual(['checkout']);
    expect(at('/index.php?controller=order')).toEqual(['checkout']);
    expect(at('/order-confirmation?id_cart=4&id_module=31&id_order=9&key=k')).toEqual(['order', '9']);
    expect(at('/en/order-confirmation?id_order=10')).toEqual(['order', '10']);
    expect(at('/index.php?controller=order-confirmation&id_cart=4&id_order=9&key=k')).toEqual(['order', '9']);
  });

  it('ordinary pages are none of them, pages named like checkout pages included', () => {
    for (const path of [
      '/',
      '/products/checkout-book',
      '/checkout-guide',
      '/orders',
      '/account/orders/5',
      '/search?q=checkout/',
      '/?order',
      '/index.php?controller=product&id_product=1',
      // A site's thank-you page after a contact or newsletter form, and blog posts, are no orders.
      '/thank-you',
      '/contact/thank_you?ref=footer',
      '/blogs/news/thank-you-customers',
      '/blog/order-confirmation-emails-explained',
      '/help?controller=thank-you',
    ])
      expect(at(path), path).toBeUndefined();
  });

  it('anything that is not an absolute URL is neither, and never throws', () => {
    for (const href of ['', '/checkout/', 'http://[', undefined, null, 10n, Symbol('url'), Object.create(null)]) {
      expect(() => checkoutPage(href as string)).not.toThrow();
      expect(checkoutPage(href as string)).toBeUndefined();
    }
  });
});
