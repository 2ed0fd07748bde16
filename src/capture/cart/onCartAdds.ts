import type { Properties } from '../../types';
import { listen } from '../../lib/listen';
import { safeStart } from '../../lib/safeStart';
import { wrapMethod } from '../../lib/wrapMethod';
import { PLATFORMS, type CartPlatform } from './platforms';

type Params = Map<string, string>;

/**
 * The URL each XMLHttpRequest was last opened with, for its send(). Kept here, not on the request:
 * the XMLHttpRequest is the page's, and gets no property of ours.
 */
const xhrUrls = new WeakMap<XMLHttpRequest, string>();

/**
 * The product fields of a request body or URL: JSON (also arrays of items or lineItems), form data
 * or a query string.
 */
function paramsOf(url: string, body: unknown): Params[] {
  // The URL's query and a form body: fields every item of the request shares.
  const sharedParams: Params = new Map(new URL(url, location.href).searchParams);
  let itemParams: Params[] = [];
  if (typeof body == 'string' && /^\s*[{[]/.test(body)) {
    try {
      const json = JSON.parse(body);
      const jsonItems = Array.isArray(json) ? json : json.items || json.lineItems || json.line_items || [json];
      itemParams = jsonItems.map(
        (jsonItem: Record<string, unknown>) =>
          new Map(Object.entries(jsonItem).map(([key, value]) => [key, String(value)])),
      );
    } catch {
      // not JSON after all
    }
  } else if (body instanceof FormData || body instanceof URLSearchParams || typeof body == 'string') {
    new URLSearchParams(body as string).forEach((value, key) => sharedParams.set(key, value));
  }
  return itemParams.length ? itemParams.map((params) => new Map([...sharedParams, ...params])) : [sharedParams];
}

/** The item an add-to-cart put in the cart, from the platform's own field names. */
function itemOf(platform: CartPlatform, params: Params): Properties | undefined {
  const [product, variant, quantity] = platform.fields.map((names) =>
    names.map((name) => params.get(name)).find((value) => value),
  );
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
 * platform names are read. Returns a stop function that puts fetch and XMLHttpRequest back (see
 * wrapMethod: a wrapper another script put over ours stays, and ours then only passes calls on).
 */
export const onCartAdds = /* @__PURE__ */ safeStart('onCartAdds', startCartAdds);

function startCartAdds(add: (item: Properties, source: string) => void, platforms: CartPlatform[] = PLATFORMS) {
  // A request that ends after stop() is not counted either.
  let stopped = false;
  // The first platform whose request it is: BigCommerce's /remote/v1/cart/add is not Shopify's.
  // The body too: PrestaShop's theme posts `…&add=1` to the cart page's URL.
  const platformOf = (url: string, body: unknown) => {
    try {
      const parsedUrl = new URL(url, location.href);
      return platforms.find(
        (platform) => platform.request.test(parsedUrl.pathname + parsedUrl.search) || platform.request.test('?' + body),
      );
    } catch {
      // a URL that open() accepted but URL() does not, or one fetch itself will refuse: no cart request we know
    }
  };
  // The items of a request that `succeeded()`, once it has ended.
  const addRequestItems = (succeeded: () => boolean, url: string, body: unknown, platform: CartPlatform) => {
    try {
      if (stopped || !succeeded()) return;
      for (const params of paramsOf(url, body)) {
        const item = itemOf(platform, params);
        if (item) add(item, platform.name);
      }
    } catch {
      // a body or response we cannot read is not worth an error in the page
    }
  };

  // After the page's fetch returned its promise (what the page gets, untouched).
  const unwrapFetch = wrapMethod(window, 'fetch', (_self, args, responsePromise) => {
    const input = args[0] as RequestInfo | URL;
    // Read once: a getter on the page's init object runs once, as for fetch itself.
    const body = (args[1] as RequestInit | undefined)?.body;
    // The URL a string, a URL object or a Request names.
    const url = typeof input == 'string' ? input : input instanceof URL ? input.href : input?.url;
    const platform = platformOf(url, body);
    if (platform) {
      (responsePromise as Promise<Response>).then(
        (response) => addRequestItems(() => response.ok, url, body, platform),
        () => undefined,
      );
    }
  });

  const xhrPrototype = XMLHttpRequest.prototype;
  // Before the page's open(), which fires readystatechange, whose handler may already call send().
  const unwrapOpen = wrapMethod(
    xhrPrototype,
    'open',
    (xhr: XMLHttpRequest, args) => xhrUrls.set(xhr, String(args[1])),
    true,
  );
  // Before the page's send(): a synchronous request has ended by the time it returns.
  const unwrapSend = wrapMethod(
    xhrPrototype,
    'send',
    (xhr: XMLHttpRequest, [body]) => {
      const url = xhrUrls.get(xhr) || '';
      const platform = platformOf(url, body);
      // Once, at this request's end (`loadend`, https://xhr.spec.whatwg.org/#event-xhr-loadend):
      // a reused XMLHttpRequest's next load is another request.
      if (platform) {
        xhr.addEventListener(
          'loadend',
          () => addRequestItems(() => ((xhr.status / 100) | 0) == 2, url, body, platform),
          { once: true },
        );
      }
    },
    true,
  );

  // Bubble phase at the window: a form the theme submits by script has its submit cancelled by
  // then, and the request it makes is counted above instead.
  // Both listeners are guarded (by listen): they run in the page's events, which must never see our errors.
  const countFormAdd = (event: Event) => {
    const form = event.target as HTMLFormElement;
    if (event.defaultPrevented) return;
    const platform = platforms.find((candidate) => form.matches?.(candidate.form));
    if (platform) {
      const params: Params = new Map();
      for (const name of platform.fields.flat()) {
        const field = form.elements.namedItem(name) as HTMLInputElement | null;
        if (field?.value) params.set(name, field.value);
      }
      const item = itemOf(platform, params);
      if (item) add(item, platform.name);
    }
  };
  // WooCommerce's shop-page buttons are links; without its AJAX script they navigate to ?add-to-cart=.
  const countLinkAdd = (event: Event) => {
    const link = (event.target as Element).closest?.(
      'a.add_to_cart_button:not(.ajax_add_to_cart)',
    ) as HTMLAnchorElement | null;
    if (link) {
      add(
        {
          product_id: link.dataset.product_id || new URL(link.href).searchParams.get('add-to-cart'),
          quantity: Number(link.dataset.quantity) || 1,
        },
        'woocommerce',
      );
    }
  };
  return [
    () => (stopped = true),
    unwrapFetch,
    unwrapOpen,
    unwrapSend,
    listen(window, 'submit', countFormAdd),
    listen(document, 'click', countLinkAdd, true),
  ];
}
