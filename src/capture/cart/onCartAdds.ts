import type { Properties } from '../../types';
import { flatJson } from '../../lib/json';
import { listen } from '../../lib/listen';
import { safeStart } from '../../lib/safeStart';
import { loadJson, save } from '../../lib/storage';
import { wrapMethod } from '../../lib/wrapMethod';
import { PLATFORMS, REFUSED_NOTICE, type CartPlatform } from './platforms';

type Params = Map<string, string>;
// A platform's answer as it sent it: any shape, every field read as possibly missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a precise type would need a cast at each read
type Answer = Record<string, any>;

/**
 * An add the visitor started (a click on an add button or link, an add form submitted), until the
 * request or the navigation it causes settles it.
 */
interface Trigger {
  _platform: CartPlatform;
  /** Its product, variant and quantity fields, read from the form or link. */
  _params: Params;
  /** The click or submit that started it. */
  _event: Event;
  /** Whether the browser goes on to load the add itself (a form post, a link), leaving the page. */
  _navigates: boolean;
}

/** The storage key of an add that left the page with its navigation, settled by the page it lands on. */
const PENDING = 'add';

/**
 * The URL each XMLHttpRequest was last opened with, for its send(). Kept here, not on the request:
 * the XMLHttpRequest is the page's, and gets no property of ours.
 */
const xhrUrls = new WeakMap<XMLHttpRequest, string>();

/** A Map of the string and number fields of an object: a JSON item, an answer. */
const paramsOfObject = (object: Answer): Params =>
  new Map(
    Object.entries(object || {})
      .filter(([, value]) => typeof value == 'string' || typeof value == 'number')
      .map(([key, value]) => [key, String(value)]),
  );

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
      itemParams = jsonItems.map(paramsOfObject);
    } catch {
      // not JSON after all
    }
  } else if (body instanceof FormData || body instanceof URLSearchParams || typeof body == 'string') {
    new URLSearchParams(body as string).forEach((value, key) => sharedParams.set(key, value));
  }
  return itemParams.length ? itemParams.map((params) => new Map([...sharedParams, ...params])) : [sharedParams];
}

/** Product id, variant and quantity under the platform's own field names (undefined where absent). */
const pick = (platform: CartPlatform, params: Params) =>
  platform.fields.map((names) => names.map((name) => params.get(name)).find((value) => value));

/**
 * Whether the platform refused an add, from its answer's status and body (each says so its own way):
 * Shopify 422 `{status, description}`; WooCommerce 200 `{"error": true, "product_url": …}` (its
 * Store API a 4xx); PrestaShop 200 `{"hasError": true, "errors": …}`; BigCommerce 200
 * `{"data": {"error": …}}` (its storefront API a 4xx); Magento 2 200 `{"backUrl": …}` sending the
 * shopper back to the product page (an accepted add answers `[]`, or `backUrl` to the cart page when
 * the shop is set to redirect there).
 */
const refused = (status: number, answer: Answer) =>
  ((status / 100) | 0) != 2 ||
  answer.error ||
  answer.hasError ||
  answer.data?.error ||
  (answer.backUrl && !/\/checkout\/cart\/?(\?|$)/.test(answer.backUrl));

/**
 * Detect adds to cart on the platforms in `platforms` (see platforms.ts) with no configuration.
 * Every add request the platform accepted is one add, read from its answer (status and body; see
 * `refused`), for fetch and XMLHttpRequest alike (wrapped; the page's reading of the response is
 * untouched: ours reads a clone, or the XMLHttpRequest at `loadend`). The click or submit that
 * starts an add is paired with the one request it causes, and gives what the request lacks (the
 * parent product of a variation); an add the browser loads itself (a native form post, a
 * WooCommerce `?add-to-cart=` link) is kept in storage across the navigation and counted by the
 * page it lands on unless that page shows the platform's refusal. Only the product, variant and
 * quantity fields the platform names are read. Returns a stop function that puts fetch and
 * XMLHttpRequest back (see wrapMethod: a wrapper another script put over ours stays, and ours then
 * only passes calls on).
 */
export const onCartAdds = /* @__PURE__ */ safeStart('onCartAdds', startCartAdds);

function startCartAdds(add: (item: Properties, source: string) => void, platforms: CartPlatform[] = PLATFORMS) {
  // A request that ends after stop() is not counted either.
  let stopped = false;
  // The add the visitor started last and no request or navigation has settled yet.
  let trigger: Trigger | undefined;

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

  // The item of product, variant and quantity, from what the request, the platform's answer and
  // the trigger said, in that order of trust. The answer gives ids only: Shopify answers with the
  // line's whole quantity, not the quantity added.
  const itemOf = (platform: CartPlatform, params: Params, answer: Answer = {}, paired?: Trigger) => {
    const [answerProduct, answerVariant] = pick(platform, paramsOfObject(answer.data?.cart_item || answer));
    const [triggerProduct, triggerVariant] = paired ? pick(platform, paired._params) : [];
    const [requestProduct, requestVariant, quantity] = pick(platform, params);
    let product = requestProduct;
    const variant = requestVariant || answerVariant || triggerVariant;
    // WooCommerce's single-product AJAX add posts the variation as product_id too: the parent is the form's.
    if (!product || product == variant) product = triggerProduct || answerProduct || product || variant;
    if (!product) return;
    const item: Properties = { product_id: product, quantity: Number(quantity) || 1 };
    if (variant) item.variant = variant;
    return item;
  };

  // A request of `platform` was sent: it settles the trigger that caused it; at its end, with its
  // answer (undefined when it failed or cannot be read), each item it added is one add.
  const sentRequest = (url: string, body: unknown, platform: CartPlatform) => {
    const paired = trigger?._platform == platform ? trigger : undefined;
    if (paired) trigger = undefined;
    return (status: number, answer: Answer) => {
      try {
        if (stopped || refused(status, answer)) return;
        for (const params of paramsOf(url, body)) {
          const item = itemOf(platform, params, answer, paired);
          if (item) add(item, platform.name);
        }
      } catch {
        // a body or answer we cannot read is not worth an error in the page
      }
    };
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
      const settle = sentRequest(url, body, platform);
      // Our then() runs before the page's (it was attached first), so the body is still unread when
      // cloned; the clone is read apart, and the page's own reading neither waits nor sees it.
      // Whatever the page's fetch (or a replacement of it) returned: a failure here, such as an
      // answer without clone() from a polyfill, must not become an unhandled rejection in the page.
      Promise.resolve(responsePromise as Promise<Response>)
        .then((response) =>
          response
            .clone()
            .json()
            .catch(() => ({}))
            .then((answer) => settle(response.status, answer || {})),
        )
        .catch(() => undefined);
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
      // a reused XMLHttpRequest's next load is another request. A listener of our own, beside the
      // page's handlers, which stay as they are.
      if (platform) {
        const settle = sentRequest(url, body, platform);
        xhr.addEventListener(
          'loadend',
          () => {
            let answer: Answer = {};
            try {
              // responseText only for a text response; a `json` one is parsed already.
              answer = (xhr.responseType == 'json' ? xhr.response : JSON.parse(xhr.responseText)) || {};
            } catch {
              // not JSON: the status alone decides
            }
            settle(xhr.status, answer);
          },
          { once: true },
        );
      }
    },
    true,
  );

  // Capture phase at the window, before the page's own handlers: WooCommerce's single-product
  // AJAX add sends its request from its click handler, which the trigger must precede.
  // Listeners are guarded (by listen): they run in the page's events, which must never see our errors.
  const startAdd = (event: Event) => {
    const target = event.target as HTMLElement;
    const isSubmit = event.type == 'submit';
    // A submitted form; a link clicked, or the form of the button clicked (WooCommerce's
    // single-product AJAX add cancels the click, so no submit follows).
    const control = isSubmit ? target : target.closest?.('a,button,[type=submit]');
    const element = ((control as HTMLButtonElement | null)?.form || control) as HTMLFormElement & HTMLAnchorElement;
    const platform =
      element &&
      platforms.find((candidate) => element.matches(candidate.form + (candidate.link ? ',' + candidate.link : '')));
    if (!platform) return;
    // Only the fields the platform names: the link's query, then form fields and data-* attributes
    // (a WooCommerce variations form names its parent product in data-product_id).
    const params: Params = new Map(element.href ? new URL(element.href).searchParams : []);
    for (const name of platform.fields.flat()) {
      const value = (element.elements?.namedItem(name) as HTMLInputElement | null)?.value || element.dataset[name];
      if (value) params.set(name, value);
    }
    // A click on a form's button navigates through the submit that follows, which says so itself.
    trigger = {
      _platform: platform,
      _params: params,
      _event: event,
      _navigates: !element.target && (isSubmit || !!element.href),
    };
  };
  // Bubble phase at the window, after the page's own handlers: a click or submit they cancelled
  // (the theme adds by script) does not navigate, and the request it makes settles it instead.
  const cancelled = (event: Event) => {
    if (trigger?._event == event && event.defaultPrevented) trigger._navigates = false;
  };
  // The page is left for the add it loads: the next page settles it.
  const leave = () => {
    const item = trigger?._navigates && itemOf(trigger._platform, trigger._params);
    if (item) save(PENDING, flatJson({ ...item, source: trigger!._platform.name }));
    trigger = undefined;
  };
  // This page may be where an add that navigated landed: counted unless it shows the platform's
  // refusal (Shopify shows its refusal of a native post at /cart/add itself).
  const pending = loadJson<Properties>(PENDING);
  // Returns false: nothing to stop when it ran at once.
  const settleLanding = () => {
    if (pending && !stopped && !document.querySelector(REFUSED_NOTICE) && !/\/cart\/add$/.test(location.pathname)) {
      const { source, ...item } = pending;
      add(item, String(source));
    }
    return false as const;
  };
  if (pending) save(PENDING, undefined);
  return [
    () => (stopped = true),
    unwrapFetch,
    unwrapOpen,
    unwrapSend,
    listen(window, 'submit', startAdd, true),
    listen(window, 'click', startAdd, true),
    listen(window, 'submit', cancelled),
    listen(window, 'click', cancelled),
    listen(window, 'pagehide', leave),
    // Once its notices are there.
    document.readyState == 'loading' ? listen(document, 'DOMContentLoaded', settleLanding) : settleLanding(),
  ];
}
