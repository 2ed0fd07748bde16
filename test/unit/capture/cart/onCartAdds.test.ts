import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onCartAdds } from '../../../../src/capture/cart/onCartAdds';
import { PLATFORMS } from '../../../../src/capture/cart/platforms';

// The network is stubbed before onCartAdds wraps it: fetch answers with `status`, and XMLHttpRequest's
// send dispatches load and loadend (a task later, as a browser does) with `status`, making no request.
let status = 200;
// The platform's answer: its body.
let answer = '{"ok":1}';
const pageFetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response(answer, { status }));
const xhrPrototype = XMLHttpRequest.prototype;
const realOpen = xhrPrototype.open;
const realSend = xhrPrototype.send;
const stubOpen = function () {} as typeof xhrPrototype.open;
const stubSend = function (this: XMLHttpRequest) {
  const sentStatus = status;
  const sentAnswer = answer;
  setTimeout(() => {
    Object.defineProperty(this, 'status', { value: sentStatus, configurable: true });
    Object.defineProperty(this, 'responseText', { value: sentAnswer, configurable: true });
    this.dispatchEvent(new ProgressEvent('load'));
    this.dispatchEvent(new ProgressEvent('loadend'));
  });
} as typeof xhrPrototype.send;
const realFetch = window.fetch;
// Links are not followed, nor forms posted: happy-dom would navigate away from the test's document.
// Cancelled after onCartAdds saw the click (a listener added after its own, at the window), so that
// it sees a link the browser follows.
const noNavigation = (event: Event) => event.preventDefault();
const start = () => {
  stop = onCartAdds(add);
  window.removeEventListener('click', noNavigation);
  window.addEventListener('click', noNavigation);
};

let add: Mock<(item: Record<string, unknown>, source: string) => void>;
let stop: () => void;
beforeEach(() => {
  status = 200;
  answer = '{"ok":1}';
  localStorage.clear();
  pageFetch.mockClear();
  window.fetch = pageFetch as typeof fetch;
  xhrPrototype.open = stubOpen;
  xhrPrototype.send = stubSend;
  add = vi.fn();
  start();
});
afterEach(() => {
  stop();
  window.fetch = realFetch;
  xhrPrototype.open = realOpen;
  xhrPrototype.send = realSend;
  window.removeEventListener('click', noNavigation);
  document.body.innerHTML = '';
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 5));
const formData = (data: Record<string, string>) => {
  const body = new FormData();
  for (const key in data) body.append(key, data[key]);
  return body;
};
type Via = 'fetch' | 'xhr';
const request = async (via: Via, url: string, body?: BodyInit) => {
  if (via == 'fetch') await fetch(url, { method: 'POST', body });
  else {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.send(body as XMLHttpRequestBodyInit | undefined);
  }
  await flush();
};

/** Each platform's add-to-cart requests: URL, body, and what add() receives. */
const REQUESTS: [
  name: string,
  url: string,
  body: () => BodyInit | undefined,
  items: Record<string, unknown>[],
  source: string,
][] = [
  [
    'Shopify /cart/add.js with JSON items',
    '/cart/add.js',
    () => JSON.stringify({ items: [{ id: 4001, quantity: 2 }, { id: 4002 }] }),
    [
      { product_id: '4001', variant: '4001', quantity: 2 },
      { product_id: '4002', variant: '4002', quantity: 1 },
    ],
    'shopify',
  ],
  [
    'Shopify /cart/add.js with one JSON item',
    'https://shop.example/cart/add.js',
    () => JSON.stringify({ id: 4003, quantity: 1 }),
    [{ product_id: '4003', variant: '4003', quantity: 1 }],
    'shopify',
  ],
  [
    'Shopify locale-prefixed /fr/cart/add with form data',
    '/fr/cart/add',
    () => formData({ id: '4001', quantity: '3', 'product-id': '77' }),
    [{ product_id: '77', variant: '4001', quantity: 3 }],
    'shopify',
  ],
  [
    'Shopify /en-ca/cart/add.js with a query string',
    '/en-ca/cart/add.js?sections=cart',
    () => JSON.stringify({ items: [{ id: 9 }] }),
    [{ product_id: '9', variant: '9', quantity: 1 }],
    'shopify',
  ],
  [
    'WooCommerce ?wc-ajax=add_to_cart',
    '/?wc-ajax=add_to_cart',
    () => 'product_sku=&product_id=55&quantity=2',
    [{ product_id: '55', quantity: 2 }],
    'woocommerce',
  ],
  [
    'WooCommerce ?add-to-cart=',
    '/shop/?add-to-cart=56&quantity=1',
    () => undefined,
    [{ product_id: '56', quantity: 1 }],
    'woocommerce',
  ],
  [
    'WooCommerce Store API cart/add-item',
    '/wp-json/wc/store/v1/cart/add-item',
    () => JSON.stringify({ id: 88, quantity: 1, variation: [{ attribute: 'Color', value: 'Blue' }] }),
    [{ product_id: '88', quantity: 1 }],
    'woocommerce',
  ],
  [
    'Magento /checkout/cart/add/ with form data',
    '/checkout/cart/add/uenc/aHR0cA,,/product/12/',
    () =>
      formData({
        product: '12',
        selected_configurable_option: '1201',
        related_product: '',
        qty: '2',
        form_key: 'Fk3y',
      }),
    [{ product_id: '12', variant: '1201', quantity: 2 }],
    'magento',
  ],
  // Not Shopify's /cart/add: the first platform whose request it is wins.
  [
    'BigCommerce /remote/v1/cart/add',
    '/remote/v1/cart/add',
    () => formData({ action: 'add', product_id: '21', 'qty[]': '2' }),
    [{ product_id: '21', quantity: 2 }],
    'bigcommerce',
  ],
  [
    'BigCommerce /api/storefront/carts lineItems',
    '/api/storefront/carts',
    () => JSON.stringify({ lineItems: [{ productId: 22, quantity: 2, variantId: 220 }] }),
    [{ product_id: '22', variant: '220', quantity: 2 }],
    'bigcommerce',
  ],
  [
    'BigCommerce /api/storefront/carts/ID/items',
    '/api/storefront/carts/0c1f-9a/items?include=lineItems.physicalItems.options',
    () => JSON.stringify({ lineItems: [{ productId: 23, quantity: 1 }] }),
    [{ product_id: '23', quantity: 1 }],
    'bigcommerce',
  ],
  [
    'PrestaShop cart controller with add=1 in the URL',
    '/index.php?controller=cart&add=1&id_product=32&id_product_attribute=7&qty=2&token=t',
    () => undefined,
    [{ product_id: '32', variant: '7', quantity: 2 }],
    'prestashop',
  ],
  // The classic theme posts the product form, `&add=1&action=update` appended, to the cart page's friendly URL.
  [
    'PrestaShop add=1 in the body, to /en/cart',
    '/en/cart',
    () => 'token=t&id_product=31&id_product_attribute=5&id_customization=0&qty=1&add=1&action=update',
    [{ product_id: '31', variant: '5', quantity: 1 }],
    'prestashop',
  ],
];

describe.each(['fetch', 'xhr'] as Via[])('onCartAdds: requests by %s', (via) => {
  it.each(REQUESTS)('%s', async (_, url, body, items, source) => {
    await request(via, url, body());
    expect(add.mock.calls).toEqual(items.map((item) => [item, source]));
  });

  it('does not count a failed add (500), nor other cart and product requests', async () => {
    status = 500;
    await request(via, '/cart/add.js', JSON.stringify({ id: 1, quantity: 1 }));
    await request(via, '/remote/v1/cart/add', formData({ product_id: '21' }));
    status = 200;
    for (const url of [
      '/cart/change.js',
      '/cart/update.js',
      '/cart.js',
      '/cart',
      '/products/tee.js',
      '/remote/v1/cart/update',
      '/api/storefront/carts/abc',
      '/checkout/cart/',
      '/?wc-ajax=get_refreshed_fragments',
      '/index.php?controller=cart&update=1',
    ])
      await request(via, url, JSON.stringify({ id: 1, product_id: 2, quantity: 1 }));
    // A request that names no product is no add either.
    await request(via, '/cart/add.js', JSON.stringify({ quantity: 1 }));
    expect(add).not.toHaveBeenCalled();
  });

  it('reads only the product, variant and quantity fields: an email in the body or URL never reaches add()', async () => {
    await request(
      via,
      '/cart/add.js?email=ada%40example.com',
      JSON.stringify({
        items: [{ id: 1, quantity: 1, properties: { Email: 'ada@example.com' }, email: 'ada@example.com' }],
      }),
    );
    await request(
      via,
      '/checkout/cart/add/uenc/x/product/12/',
      formData({ product: '12', qty: '1', email: 'ada@example.com', firstname: 'Ada' }),
    );
    expect(add).toHaveBeenCalledTimes(2);
    expect(JSON.stringify(add.mock.calls)).not.toMatch(/ada|Ada/);
    expect(Object.keys(add.mock.calls[0][0]).sort()).toEqual(['product_id', 'quantity', 'variant']);
  });
});

describe('onCartAdds: fetch', () => {
  it("returns the page's own response, and its rejection", async () => {
    const response = await fetch('/cart/add.js', { method: 'POST', body: JSON.stringify({ id: 1 }) });
    expect(await response.json()).toEqual({ ok: 1 });
    expect(pageFetch).toHaveBeenCalledWith('/cart/add.js', { method: 'POST', body: '{"id":1}' });
    pageFetch.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(fetch('/cart/add.js', { method: 'POST', body: '{"id":2}' })).rejects.toThrow('Failed to fetch');
    await flush();
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('takes Request and URL objects (reading the URL), and never throws for odd inputs', async () => {
    await fetch(new Request('https://shop.example/?add-to-cart=56&quantity=2', { method: 'POST' }));
    await fetch(new URL('https://shop.example/?add-to-cart=57'));
    for (const odd of ['http://[::1', '//', undefined, null, 42, {}] as unknown as string[])
      expect(() => fetch(odd).catch(() => undefined)).not.toThrow();
    expect(() => fetch('/cart/add.js', { method: 'POST', body: '[null, 1' })).not.toThrow();
    expect(() => fetch('/cart/add.js', { method: 'POST', body: '[null]' })).not.toThrow();
    expect(() => fetch('/cart/add.js', { method: 'POST', body: new Blob(['x']) })).not.toThrow();
    await flush();
    expect(add.mock.calls).toEqual([
      [{ product_id: '56', quantity: 2 }, 'woocommerce'],
      [{ product_id: '57', quantity: 1 }, 'woocommerce'],
    ]);
    expect(pageFetch).toHaveBeenCalledTimes(11);
  });
});

describe('onCartAdds: XMLHttpRequest', () => {
  it('resolves a relative URL or URL object, and counts on a 2xx status only', async () => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', new URL('/shop/?add-to-cart=60', location.href) as unknown as string);
    xhr.send();
    status = 302;
    await request('xhr', '/?add-to-cart=61');
    status = 204;
    await request('xhr', '/?add-to-cart=62');
    expect(add.mock.calls.map((call) => call[0].product_id)).toEqual(['60', '62']);
  });

  it('counts a reused XMLHttpRequest once per request', async () => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/cart/add.js');
    xhr.send(JSON.stringify({ id: 1 }));
    await flush();
    xhr.open('GET', '/cart.js');
    xhr.send();
    await flush();
    status = 500;
    xhr.open('POST', '/cart/add.js');
    xhr.send(JSON.stringify({ id: 2 }));
    await flush();
    status = 200;
    xhr.open('GET', '/products/tee.js');
    xhr.send();
    await flush();
    expect(add.mock.calls.map((call) => call[0].product_id)).toEqual(['1']);
  });

  it('does not break open() or send() of a URL the page opens oddly', () => {
    const xhr = new XMLHttpRequest();
    expect(() => xhr.open('GET', 'http://[::1')).not.toThrow();
    expect(() => xhr.send()).not.toThrow();
  });

  it("sets no property on the page's XMLHttpRequest objects: the URL open() was given is kept aside", async () => {
    // The reference: a request through the page's own open() and send(), before onCartAdds wrapped them.
    stop();
    const unwrapped = new XMLHttpRequest();
    unwrapped.open('POST', '/cart/add.js');
    unwrapped.send(JSON.stringify({ id: 1 }));
    await flush();
    stop = onCartAdds(add);
    const wrapped = new XMLHttpRequest();
    wrapped.open('POST', '/cart/add.js');
    expect(Reflect.ownKeys(wrapped)).toEqual(Reflect.ownKeys(new XMLHttpRequest()));
    wrapped.send(JSON.stringify({ id: 2 }));
    await flush();
    // send() still knew the URL: the add counted.
    expect(add.mock.calls).toEqual([[{ product_id: '2', variant: '2', quantity: 1 }, 'shopify']]);
    // Own keys, symbols included: the same as the reference request's (the stub's `status` in both).
    expect(Reflect.ownKeys(wrapped)).toEqual(Reflect.ownKeys(unwrapped));
    expect(Object.getOwnPropertyNames(wrapped)).toContain('status');
  });
});

describe('onCartAdds: forms and links', () => {
  const submit = (html: string, cancel = false) => {
    document.body.innerHTML = html;
    const form = document.querySelector('form')!;
    if (cancel) form.addEventListener('submit', (event) => event.preventDefault());
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  };
  // The page is left (for the add the browser loads), and the next page, with `landingHtml`, starts.
  const land = (landingHtml = '<p>Added</p>') => {
    window.dispatchEvent(new Event('pagehide'));
    stop();
    document.body.innerHTML = landingHtml;
    start();
  };

  it.each([
    [
      'Shopify',
      '<form action="/fr/cart/add" method="post"><input type="hidden" name="id" value="4001"><input name="quantity" value="2"><input name="email" value="ada@example.com"></form>',
      { product_id: '4001', variant: '4001', quantity: 2 },
      'shopify',
    ],
    [
      'WooCommerce form.cart',
      '<form class="cart" method="post" action="/product/tee"><input name="quantity" value="3"><input name="billing_email" value="ada@example.com"><button type="submit" name="add-to-cart" value="77">Add</button></form>',
      { product_id: '77', quantity: 3 },
      'woocommerce',
    ],
    [
      'WooCommerce variable product',
      '<form class="variations_form cart" method="post"><input name="quantity" value="1"><input type="hidden" name="add-to-cart" value="70"><input type="hidden" name="product_id" value="70"><input type="hidden" name="variation_id" value="71"></form>',
      { product_id: '70', variant: '71', quantity: 1 },
      'woocommerce',
    ],
    [
      'Magento (its action has /checkout/cart/add/ in it: not Shopify)',
      '<form id="product_addtocart_form" action="https://shop.example/checkout/cart/add/uenc/aHR0cA,,/product/12/" method="post"><input type="hidden" name="product" value="12"><input type="hidden" name="selected_configurable_option" value="1201"><input name="qty" value="1"><input name="form_key" value="k"></form>',
      { product_id: '12', variant: '1201', quantity: 1 },
      'magento',
    ],
    [
      'BigCommerce',
      '<form data-cart-item-add action="/cart.php" method="post"><input type="hidden" name="product_id" value="21"><input name="qty[]" value="2"></form>',
      { product_id: '21', quantity: 2 },
      'bigcommerce',
    ],
    [
      'PrestaShop',
      '<form id="add-to-cart-or-refresh" action="/cart" method="post"><input name="token" value="t"><input type="hidden" name="id_product" value="31"><input type="hidden" name="id_product_attribute" value="5"><input name="qty" value="4"></form>',
      { product_id: '31', variant: '5', quantity: 4 },
      'prestashop',
    ],
  ])(
    '%s: a native add-to-cart form post counts once, on the page it lands on, with only its product fields',
    (_, html, item, source) => {
      submit(html);
      expect(add).not.toHaveBeenCalled();
      land();
      expect(add.mock.calls).toEqual([[item, source]]);
      expect(JSON.stringify(add.mock.calls) + JSON.stringify({ ...localStorage })).not.toMatch(/ada@|"t"|"k"/);
      // A reload of the landing page is no second add.
      land();
      expect(add).toHaveBeenCalledTimes(1);
    },
  );

  it.each([
    ['WooCommerce', '<ul class="woocommerce-error"><li>Out of stock</li></ul>'],
    ['WooCommerce block themes', '<div class="wc-block-components-notice-banner is-error">No</div>'],
    ['PrestaShop', '<div class="alert alert-danger">No</div>'],
    ['Magento', '<div class="message-error error message">No</div>'],
    ['BigCommerce', '<div class="alertBox alertBox--error">No</div>'],
  ])('a native add that lands on a page with the refusal notice of %s is not counted', (_, notice) => {
    submit('<form class="cart" method="post"><button name="add-to-cart" value="77">Add</button></form>');
    land(notice);
    expect(add).not.toHaveBeenCalled();
  });

  it('waits for the landing page to be parsed before it reads its notices', () => {
    submit('<form class="cart" method="post"><button name="add-to-cart" value="77">Add</button></form>');
    window.dispatchEvent(new Event('pagehide'));
    stop();
    const readyState = vi.spyOn(document, 'readyState', 'get').mockReturnValue('loading');
    stop = onCartAdds(add);
    readyState.mockRestore();
    document.body.innerHTML = '<ul class="woocommerce-error"><li>Sold out</li></ul>';
    document.dispatchEvent(new Event('DOMContentLoaded'));
    expect(add).not.toHaveBeenCalled();
  });

  it('does not count a form whose submit the page cancels (its request counts instead), nor other forms', () => {
    submit('<form action="/cart/add" method="post"><input name="id" value="4001"></form>', true);
    submit(
      '<form action="/newsletter" method="post"><input name="id" value="4001"><input name="email" value="a@b.c"></form>',
    );
    land();
    submit('<form action="/cart/add" method="post"><input name="quantity" value="1"></form>');
    land();
    expect(add).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
  });

  it("counts WooCommerce's add-to-cart links on the page they land on; not AJAX buttons (their request counts), nor options links", () => {
    document.body.innerHTML = `<a id="link" href="/shop/?add-to-cart=55" data-product_id="55" data-quantity="2" class="button add_to_cart_button"><span id="label">Add</span></a>
      <a id="nodata" href="/shop/?add-to-cart=56" class="button add_to_cart_button">Add</a>
      <a id="ajax" href="/shop/?add-to-cart=57" data-product_id="57" class="button add_to_cart_button ajax_add_to_cart">Add</a>
      <a id="options" href="/product/hoodie/" data-product_id="58" class="button product_type_variable add_to_cart_button">Select options</a>
      <a id="other" href="/shop/">Shop</a>`;
    // add-to-cart.js cancels the AJAX button's click and makes its request.
    document.getElementById('ajax')!.addEventListener('click', (event) => event.preventDefault());
    document.getElementById('label')!.click();
    land('<div class="woocommerce-message">Added</div>');
    document.body.innerHTML = `<a id="nodata" href="/shop/?add-to-cart=56" class="button add_to_cart_button">Add</a>`;
    document.getElementById('nodata')!.click();
    land('<div class="woocommerce-message">Added</div>');
    for (const id of ['ajax', 'options', 'other']) {
      document.body.innerHTML = `<a id="ajax" href="/shop/?add-to-cart=57" data-product_id="57" class="button add_to_cart_button ajax_add_to_cart">Add</a>
        <a id="options" href="/product/hoodie/" data-product_id="58" class="button product_type_variable add_to_cart_button">Select options</a><a id="other" href="/shop/">Shop</a>`;
      document.getElementById('ajax')!.addEventListener('click', (event) => event.preventDefault());
      document.getElementById(id)!.click();
      land();
    }
    expect(add.mock.calls).toEqual([
      [{ product_id: '55', quantity: 2 }, 'woocommerce'],
      [{ product_id: '56', quantity: 1 }, 'woocommerce'],
    ]);
  });

  it('an add link opened in another tab leaves no pending add behind', () => {
    document.body.innerHTML = `<a id="link" target="_blank" href="/shop/?add-to-cart=55" class="add_to_cart_button">Add</a>`;
    document.getElementById('link')!.click();
    land();
    expect(add).not.toHaveBeenCalled();
  });
});

describe('onCartAdds: what the platform answered', () => {
  it.each([
    ['Shopify 422', '/cart/add.js', JSON.stringify({ id: 1 }), 422, '{"status":422,"description":"Sold out"}'],
    [
      'WooCommerce 200 error',
      '/?wc-ajax=add_to_cart',
      'product_id=55&quantity=1',
      200,
      '{"error":true,"product_url":"/p/55"}',
    ],
    [
      'WooCommerce Store API 400',
      '/wp-json/wc/store/v1/cart/add-item',
      '{"id":5}',
      400,
      '{"code":"woocommerce_rest_cart_invalid_product"}',
    ],
    [
      'PrestaShop 200 hasError',
      '/en/cart',
      'id_product=31&qty=50&add=1&action=update',
      200,
      '{"hasError":true,"errors":["Not enough"]}',
    ],
    [
      'BigCommerce 200 data.error',
      '/remote/v1/cart/add',
      'product_id=21&qty[]=1',
      200,
      '{"data":{"error":"Out of stock"}}',
    ],
    [
      'Magento 200 backUrl to the product',
      '/checkout/cart/add/uenc/x/product/12/',
      'product=12&qty=1',
      200,
      '{"backUrl":"https://shop.example/tee.html"}',
    ],
  ])('%s is a refusal, by fetch and by XMLHttpRequest', async (_, url, body, refusalStatus, refusal) => {
    status = refusalStatus;
    answer = refusal;
    await request('fetch', url, body);
    await request('xhr', url, body);
    expect(add).not.toHaveBeenCalled();
  });

  it('Magento accepts with [] or a backUrl to the cart page; a body that is not JSON leaves the status to decide', async () => {
    for (const accepted of ['[]', '{"backUrl":"https://shop.example/checkout/cart/"}', '<html>']) {
      answer = accepted;
      await request('fetch', '/checkout/cart/add/uenc/x/product/12/', 'product=12&qty=1');
      await request('xhr', '/checkout/cart/add/uenc/x/product/12/', 'product=12&qty=1');
    }
    expect(add).toHaveBeenCalledTimes(6);
  });

  it("takes ids the request lacks from the answer: PrestaShop's combination, Shopify's product, BigCommerce's cart_item", async () => {
    answer =
      '{"success":true,"id_product":31,"id_product_attribute":7,"quantity":2,"cart":{"products":[{"id_product":9}]}}';
    await request('xhr', '/en/cart', 'token=t&id_product=31&group%5B1%5D=2&qty=2&add=1&action=update');
    answer = '{"id":4001,"product_id":400,"variant_id":4001,"quantity":5}';
    await request('fetch', '/cart/add', formData({ id: '4001', quantity: '1' }));
    answer = '{"data":{"cart_id":"c","cart_item":{"id":"line","product_id":21,"variant_id":210,"quantity":3}}}';
    await request('fetch', '/remote/v1/cart/add', formData({ action: 'add', product_id: '21', 'qty[]': '1' }));
    expect(add.mock.calls).toEqual([
      [{ product_id: '31', variant: '7', quantity: 2 }, 'prestashop'],
      // The quantity added is the request's: Shopify answers with the line's whole quantity.
      [{ product_id: '400', variant: '4001', quantity: 1 }, 'shopify'],
      [{ product_id: '21', variant: '210', quantity: 1 }, 'bigcommerce'],
    ]);
  });

  it("WooCommerce's single-product AJAX add of a variation: the parent product is the form's, paired with its click", async () => {
    document.body.innerHTML = `<form class="variations_form cart" data-product_id="70" method="post"><input name="quantity" value="2"><input type="hidden" name="variation_id" value="71"><button type="submit" class="single_add_to_cart_button" name="add-to-cart" value="70">Add</button></form>`;
    const button = document.querySelector('button')!;
    // ajax-add-to-cart.js: the click is cancelled and the form posted with product_id = the variation.
    button.addEventListener('click', (event) => event.preventDefault());
    button.click();
    await request('fetch', '/?wc-ajax=add_to_cart', 'quantity=2&variation_id=71&product_id=71');
    // The trigger was used by its request: a later request alone names what it names.
    await request('fetch', '/?wc-ajax=add_to_cart', 'quantity=1&variation_id=71&product_id=71');
    expect(add.mock.calls).toEqual([
      [{ product_id: '70', variant: '71', quantity: 2 }, 'woocommerce'],
      [{ product_id: '71', variant: '71', quantity: 1 }, 'woocommerce'],
    ]);
  });

  it('every accepted request is one add: the same item twice is two; a submit and the request it makes are one', async () => {
    await request('fetch', '/cart/add.js', JSON.stringify({ id: 4001, quantity: 1 }));
    await request('xhr', '/cart/add.js', JSON.stringify({ id: 4001, quantity: 1 }));
    document.body.innerHTML = '<form action="/cart/add" method="post"><input name="id" value="4001"></form>';
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    // The submit was not cancelled, but a script posts the add before the page is left: that settles it.
    await request('fetch', '/cart/add.js', JSON.stringify({ id: 4001, quantity: 1 }));
    window.dispatchEvent(new Event('pagehide'));
    stop();
    stop = onCartAdds(add);
    expect(add).toHaveBeenCalledTimes(3);
  });

  it("leaves the page's own reading of the answer whole: its fetch body and XMLHttpRequest handlers", async () => {
    answer = '{"id":4001,"product_id":400}';
    const response = await fetch('/cart/add.js', { method: 'POST', body: '{"id":4001}' });
    expect(await response.json()).toEqual({ id: 4001, product_id: 400 });
    const xhr = new XMLHttpRequest();
    const seen: string[] = [];
    xhr.onload = () => seen.push(xhr.responseText);
    xhr.open('POST', '/cart/add.js');
    xhr.send('{"id":4001}');
    await flush();
    expect(seen).toEqual(['{"id":4001,"product_id":400}']);
    expect(xhr.onload).not.toBeNull();
    expect(add).toHaveBeenCalledTimes(2);
  });
});

describe('onCartAdds: stop()', () => {
  it('puts fetch and XMLHttpRequest back, and stops listening to forms and links', async () => {
    expect(window.fetch).not.toBe(pageFetch);
    expect(xhrPrototype.send).not.toBe(stubSend);
    stop();
    expect(window.fetch).toBe(pageFetch);
    expect(xhrPrototype.open).toBe(stubOpen);
    expect(xhrPrototype.send).toBe(stubSend);
    await request('fetch', '/cart/add.js', JSON.stringify({ id: 1 }));
    await request('xhr', '/cart/add.js', JSON.stringify({ id: 1 }));
    document.body.innerHTML =
      '<form action="/cart/add"><input name="id" value="1"></form><a class="add_to_cart_button" href="/?add-to-cart=1">Add</a>';
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    document.querySelector('a')!.click();
    expect(add).not.toHaveBeenCalled();
  });

  it.each([
    ['fetch', 'fetch'],
    ['xhr', 'open'],
    ['xhr', 'send'],
  ] as [Via, string][])(
    'leaves a %s wrapper another script put over our %s, which keeps working, and counts nothing more',
    async (via, method) => {
      const owner = (method == 'fetch' ? window : xhrPrototype) as unknown as Record<
        string,
        (...args: unknown[]) => unknown
      >;
      const ours = owner[method];
      const theirCalls: unknown[] = [];
      const theirs = function (this: unknown, ...args: unknown[]) {
        theirCalls.push(args[0]);
        return ours.apply(this, args);
      };
      owner[method] = theirs;
      await request(via, '/cart/add.js', JSON.stringify({ id: 1 }));
      expect(add).toHaveBeenCalledTimes(1);
      stop();
      expect(owner[method]).toBe(theirs);
      // The other wrappers, still ours alone, are put back.
      expect(window.fetch == pageFetch).toBe(method != 'fetch');
      await request(via, '/cart/add.js', JSON.stringify({ id: 2 }));
      expect(theirCalls).toHaveLength(2);
      if (via == 'fetch') expect(pageFetch).toHaveBeenCalledTimes(2);
      expect(add).toHaveBeenCalledTimes(1);
    },
  );

  it('does not count a request that ends after stop()', async () => {
    let answer: (response: Response) => void = () => undefined;
    pageFetch.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const pending = fetch('/cart/add.js', { method: 'POST', body: JSON.stringify({ id: 3 }) });
    stop();
    answer(new Response('{}', { status: 200 }));
    await pending;
    await flush();
    expect(add).not.toHaveBeenCalled();
  });

  it('takes its own list of platforms', async () => {
    stop();
    stop = onCartAdds(add, [
      { name: 'acme', request: /^\/basket\/put/, form: 'form.acme', fields: [['sku'], [], ['n']] },
    ]);
    await request('fetch', '/basket/put', 'sku=A1&n=2');
    await request('fetch', '/cart/add.js', JSON.stringify({ id: 1 }));
    expect(add.mock.calls).toEqual([[{ product_id: 'A1', quantity: 2 }, 'acme']]);
    expect(PLATFORMS.map((platform) => platform.name)).toEqual([
      'shopify',
      'woocommerce',
      'magento',
      'bigcommerce',
      'prestashop',
    ]);
  });
});
