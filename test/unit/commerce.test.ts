import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';

// commerce.ts keeps the last add in module state and the cart, checkout and order in localStorage:
// each test gets fresh modules (a new page) and empty storage; `reload()` is a new page on the same storage.
type Commerce = typeof import('../../src/commerce');
let commerce: Commerce;
let track: Mock<(event: string, properties: Record<string, unknown>) => void>;
const reload = async () => {
  vi.resetModules();
  commerce = await import('../../src/commerce');
};
beforeEach(async () => {
  localStorage.clear();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-01-01T10:00:00Z'));
  track = vi.fn();
  await reload();
});
afterEach(() => {
  vi.useRealTimers();
  localStorage.clear();
});

const events = () => track.mock.calls.map((call) => call[0]);
const add = (item: Record<string, unknown>, source = 'api') => commerce.addToCart(track, item, source);
const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('addToCart', () => {
  it('starts a cart on the first add to an empty cart only, and sends the item with its source', () => {
    add({ product_id: 'A', quantity: 2 }, 'shopify');
    add({ product_id: 'B', quantity: 1 }, 'markup');
    expect(track.mock.calls).toEqual([
      ['Cart Started', { cart_id: undefined, source: 'shopify' }],
      ['Product Added', { product_id: 'A', quantity: 2, source: 'shopify' }],
      ['Product Added', { product_id: 'B', quantity: 1, source: 'markup' }],
    ]);
  });

  it('the cart outlives the page: an add on the next page does not start another', async () => {
    add({ product_id: 'A' });
    await reload();
    add({ product_id: 'B' });
    expect(events()).toEqual(['Cart Started', 'Product Added', 'Product Added']);
  });

  it('starts a cart once per cart_id, and again for a new cart_id', () => {
    add({ product_id: 'A', cart_id: 'c1' });
    add({ product_id: 'B', cart_id: 'c1' });
    add({ product_id: 'C', cart_id: 'c2' });
    expect(track.mock.calls.filter((call) => call[0] == 'Cart Started')).toEqual([
      ['Cart Started', { cart_id: 'c1', source: 'api' }],
      ['Cart Started', { cart_id: 'c2', source: 'api' }],
    ]);
  });

  it('adds with and without a cart_id (helper and automatic capture on one site) are one cart', () => {
    add({ product_id: 'A', cart_id: 'c1' });
    add({ product_id: 'B' }, 'shopify');
    add({ product_id: 'C', cart_id: 'c1' });
    // Seen first without its id, the cart is the same one once the site names it.
    localStorage.clear();
    add({ product_id: 'D' }, 'shopify');
    add({ product_id: 'E', cart_id: 'c9' });
    add({ product_id: 'F' }, 'shopify');
    expect(events().filter((event) => event == 'Cart Started')).toHaveLength(2);
    expect(events().filter((event) => event == 'Product Added')).toHaveLength(6);
  });

  it('counts every add: the same item added twice, 1.2 s apart or at once, is two adds (no time window merges them)', () => {
    add({ product_id: 'A', variant: 'v1', quantity: 1 }, 'shopify');
    later(1200);
    add({ product_id: 'A', variant: 'v1', quantity: 1 }, 'shopify');
    add({ product_id: 'A', variant: 'v1', quantity: 1 }, 'markup');
    expect(
      track.mock.calls
        .filter((call) => call[0] == 'Product Added')
        .map((call) => [call[1].variant, call[1].quantity, call[1].source]),
    ).toEqual([
      ['v1', 1, 'shopify'],
      ['v1', 1, 'shopify'],
      ['v1', 1, 'markup'],
    ]);
    expect(events().filter((event) => event == 'Cart Started')).toHaveLength(1);
  });
});

describe('startCheckout', () => {
  it('starts a checkout once per cart, with its properties', async () => {
    add({ product_id: 'A' });
    commerce.startCheckout(track, { value: 42 });
    commerce.startCheckout(track);
    await reload();
    commerce.startCheckout(track);
    expect(track.mock.calls.slice(2)).toEqual([['Checkout Started', { value: 42 }]]);
  });

  it('once for a visit with no cart seen, and again for a new cart', () => {
    commerce.startCheckout(track);
    commerce.startCheckout(track);
    add({ product_id: 'A', cart_id: 'c1' });
    commerce.startCheckout(track);
    commerce.startCheckout(track);
    add({ product_id: 'B', cart_id: 'c2' });
    commerce.startCheckout(track);
    expect(events()).toEqual([
      'Checkout Started',
      'Cart Started',
      'Product Added',
      'Checkout Started',
      'Cart Started',
      'Product Added',
      'Checkout Started',
    ]);
  });
});

describe('completeOrder', () => {
  it('completes an order once per order_id, across reloads of the thank-you page', async () => {
    const order = { order_id: '1001', total: 84, currency: 'EUR' };
    commerce.completeOrder(track, order);
    commerce.completeOrder(track, order);
    await reload();
    commerce.completeOrder(track, { order_id: '1001' });
    commerce.completeOrder(track, { order_id: '1002' });
    expect(track.mock.calls).toEqual([
      ['Order Completed', order],
      ['Order Completed', { order_id: '1002' }],
    ]);
  });

  it('empties the cart: the next add starts a new cart, and its checkout counts again', () => {
    add({ product_id: 'A' });
    commerce.startCheckout(track);
    commerce.completeOrder(track, { order_id: '1' });
    later(60_000);
    add({ product_id: 'A' });
    add({ product_id: 'B' });
    commerce.startCheckout(track);
    expect(events()).toEqual([
      'Cart Started',
      'Product Added',
      'Checkout Started',
      'Order Completed',
      'Cart Started',
      'Product Added',
      'Product Added',
      'Checkout Started',
    ]);
  });

  it('a numeric order_id is the same order as its string', () => {
    commerce.completeOrder(track, { order_id: 7 });
    commerce.completeOrder(track, { order_id: '7' });
    expect(events()).toEqual(['Order Completed']);
  });
});

describe('hostile items', () => {
  it('a BigInt or cyclic product id does not throw', () => {
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    add({ product_id: 10n });
    add({ product_id: 10n });
    add({ product_id: 11n });
    add({ product_id: cyclic });
    add({ product_id: cyclic });
    const productIds = track.mock.calls.filter((call) => call[0] == 'Product Added').map((call) => call[1].product_id);
    expect(productIds).toEqual([10n, 10n, 11n, cyclic, cyclic]);
  });

  it("reads an item's getters once, before anything is stored; one that throws leaves nothing behind", () => {
    let reads = 0;
    const counted = {
      get product_id() {
        reads++;
        return 'A';
      },
    };
    add(counted);
    expect(reads).toBe(1);
    expect(track.mock.calls[1]).toEqual(['Product Added', { product_id: 'A', source: 'api' }]);
    const throwing = {
      cart_id: 'c2',
      get product_id() {
        throw new Error('getter');
      },
    };
    expect(() => add(throwing)).toThrow('getter'); // its callers guard it (see defaultTracker, script)
    expect(localStorage.getItem('engagekit:v1:cart')).toBe('1');
    expect(() =>
      commerce.completeOrder(track, {
        get order_id() {
          throw new Error('getter');
        },
      }),
    ).toThrow('getter');
    expect(localStorage.getItem('engagekit:v1:cart')).toBe('1');
    expect(events()).toEqual(['Cart Started', 'Product Added']);
  });

  it('null, null-prototype objects and symbols', () => {
    const bare = Object.assign(Object.create(null), { product_id: 'N', [Symbol('s')]: 1 });
    add(bare);
    add({ product_id: Symbol('p') });
    commerce.completeOrder(track, null as unknown as Record<string, unknown>);
    commerce.startCheckout(track, null as unknown as Record<string, unknown>);
    expect(events()).toEqual(['Cart Started', 'Product Added', 'Product Added', 'Order Completed', 'Checkout Started']);
  });
});
