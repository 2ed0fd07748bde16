import type { Properties } from '../../types';
import { PLATFORMS, type CartPlatform } from './platforms';

type Params = Map<string, string>;

/** The product fields of a request body or URL: JSON (also arrays of items or lineItems), form data or a query string. */
function paramsOf(url: string, body: unknown): Params[] {
  const flat: Params = new Map(new URL(url, location.href).searchParams);
  let items: Params[] = [];
  if (typeof body == 'string' && /^\s*[{[]/.test(body)) {
    try {
      const j = JSON.parse(body);
      const list = Array.isArray(j) ? j : j.items || j.lineItems || j.line_items || [j];
      items = list.map((o: Record<string, unknown>) => new Map(Object.entries(o).map(([k, v]) => [k, String(v)])));
    } catch {
      // not JSON after all
    }
  } else if (body instanceof FormData || body instanceof URLSearchParams || typeof body == 'string') {
    new URLSearchParams(body as string).forEach((v, k) => flat.set(k, v));
  }
  return items.length ? items.map((m) => new Map([...flat, ...m])) : [flat];
}

/** The item an add-to-cart put in the cart, from the platform's own field names. */
function itemOf(p: CartPlatform, params: Params): Properties | undefined {
  const [product, variant, quantity] = p.fields.map((names) => names.map((n) => params.get(n)).find((v) => v));
  if (!product && !variant) return;
  const item: Properties = { product_id: product || variant, quantity: Number(quantity) || 1 };
  if (variant) item.variant = variant;
  return item;
}

/**
 * Detect adds to cart on the platforms in `platforms` (see platforms.ts) with no configuration:
 * from their add-to-cart requests, counted when the response is successful (fetch and
 * XMLHttpRequest are wrapped, and keep working as before), from their add-to-cart forms when they
 * post natively (the page then navigates away; the event still goes, on the page-hide path), and
 * from WooCommerce's add-to-cart links. Only the product, variant and quantity fields the
 * platform names are read. Returns a stop function that puts fetch and XMLHttpRequest back.
 */
export function onCartAdds(add: (item: Properties, source: string) => void, platforms = PLATFORMS): () => void {
  // The first platform whose request it is: BigCommerce's /remote/v1/cart/add is not Shopify's.
  // The body too: PrestaShop's theme posts `…&add=1` to the cart page's URL.
  const platformOf = (url: string, body: unknown) => {
    const u = new URL(url, location.href);
    return platforms.find((p) => p.request.test(u.pathname + u.search) || p.request.test('?' + body));
  };
  const seen = (url: string, body: unknown, p: CartPlatform) => {
    for (const params of paramsOf(url, body)) {
      const item = itemOf(p, params);
      if (item) add(item, p.name);
    }
  };
  const safely = (url: string, body: unknown, p: CartPlatform) => {
    try {
      seen(url, body, p);
    } catch {
      // a body we cannot read is not worth an error in the page
    }
  };

  const w = window;
  const fetch0 = w.fetch;
  w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const res = fetch0.call(this, input, init);
    try {
      const url = typeof input == 'string' ? input : input instanceof URL ? input.href : input.url;
      const p = platformOf(url, init?.body);
      if (p)
        res.then(
          (r) => r.ok && safely(url, init?.body, p),
          () => undefined,
        );
    } catch {
      // an input fetch itself will refuse
    }
    return res;
  } as typeof fetch;

  const X = XMLHttpRequest.prototype;
  const open0 = X.open;
  const send0 = X.send;
  X.open = function (this: XMLHttpRequest & { _ekUrl?: string }, ...a: unknown[]) {
    this._ekUrl = String(a[1]);
    return (open0 as (...b: unknown[]) => void).apply(this, a);
  };
  X.send = function (this: XMLHttpRequest & { _ekUrl?: string }, body?: Document | XMLHttpRequestBodyInit | null) {
    try {
      const url = this._ekUrl || '';
      const p = platformOf(url, body);
      // Once, at this request's end: a reused XMLHttpRequest's next load is another request.
      if (p)
        this.addEventListener('loadend', () => ((this.status / 100) | 0) == 2 && safely(url, body, p), { once: true });
    } catch {
      // a URL open() accepted but URL() does not: not a cart request we know
    }
    return send0.call(this, body);
  };

  // Bubble phase at the window: a form the theme submits by script has its submit cancelled by
  // then, and the request it makes is counted above instead.
  const submit = (e: Event) => {
    const f = e.target as HTMLFormElement;
    if (e.defaultPrevented) return;
    const p = platforms.find((p) => f.matches?.(p.form));
    if (p) {
      const params: Params = new Map();
      for (const name of p.fields.flat()) {
        const el = f.elements.namedItem(name) as HTMLInputElement | null;
        if (el?.value) params.set(name, el.value);
      }
      const item = itemOf(p, params);
      if (item) add(item, p.name);
    }
  };
  // WooCommerce's shop-page buttons are links; without its AJAX script they navigate to ?add-to-cart=.
  const click = (e: Event) => {
    const a = (e.target as Element).closest?.(
      'a.add_to_cart_button:not(.ajax_add_to_cart)',
    ) as HTMLAnchorElement | null;
    if (a)
      add(
        {
          product_id: a.dataset.product_id || new URL(a.href).searchParams.get('add-to-cart'),
          quantity: Number(a.dataset.quantity) || 1,
        },
        'woocommerce',
      );
  };
  addEventListener('submit', submit);
  document.addEventListener('click', click, true);
  return () => {
    w.fetch = fetch0;
    X.open = open0;
    X.send = send0;
    removeEventListener('submit', submit);
    document.removeEventListener('click', click, true);
  };
}
