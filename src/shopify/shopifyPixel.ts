/**
 * engagekit in Shopify's checkout: a custom pixel (Settings → Customer events) or an app pixel.
 * Shopify's checkout runs no theme script, so engagekit.min.js never sees its steps or its order;
 * only pixels do, in a sandbox (a sandboxed iframe without allow-same-origin, or a web worker) with
 * the `analytics`, `browser` and `init` objects of the Web Pixels API
 * (https://shopify.dev/docs/api/web-pixels-api) and no IndexedDB, localStorage, cookies or DOM of
 * the shop's. Built twice with the sandbox's own versions of three modules (rollup.config.mjs): no
 * Web Locks (they reject in an opaque origin, and one frame needs none), no IndexedDB (the queue is
 * in memory, sent with fetch keepalive as the frame goes), and `context.page` from Shopify's
 * description of the shop's page (topPage.ts).
 */
import { addToCart, completeOrder, startCheckout } from '../commerce';
import { checkoutPage } from '../capture/cart/checkoutPage';
import { parseVisit, visitValue, VISIT_COOKIE } from '../capture/cart/visitCookie';
import { flatJson } from '../lib/json';
import { load, loadJson, persisted, save } from '../lib/storage';
const PREFIX = 'engagekit:v1:';
import { warn } from '../lib/warn';
import { createTracker } from '../tracker';
import type { Config, Properties, Tracker } from '../types';
import { setTopPage, type ShopifyDocument } from './topPage';

// Shopify's event payloads as they come: every field read as possibly missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a precise type would need a cast at each read
type Payload = Record<string, any>;

/** A standard event as `analytics.subscribe` hands it over (https://shopify.dev/docs/api/web-pixels-api/standard-events). */
export interface ShopifyEvent {
  name: string;
  timestamp?: string;
  context?: { document?: ShopifyDocument };
  data?: Payload;
}

/** The Web Pixels API objects the pixel uses: `analytics`, `browser` and `init`. */
export interface WebPixelsApi {
  analytics: { subscribe(name: string, callback: (event: ShopifyEvent) => void): unknown };
  browser?: {
    cookie?: { get(name: string): Promise<string>; set(cookie: string): Promise<unknown> };
    localStorage?: {
      getItem(key: string): Promise<string | null>;
      setItem(key: string, value: string): Promise<unknown>;
      removeItem(key: string): Promise<unknown>;
    };
  };
  init?: { context?: { document?: ShopifyDocument }; customerPrivacy?: CustomerPrivacy };
  /** Shopify's consent API: `visitorConsentCollected` tells of the visitor's choice. */
  customerPrivacy?: {
    subscribe(
      name: 'visitorConsentCollected',
      callback: (event: { customerPrivacy?: CustomerPrivacy }) => void,
    ): unknown;
  };
}

/** The part of Shopify's customer privacy state the pixel reads. */
export interface CustomerPrivacy {
  analyticsProcessingAllowed?: boolean;
}

/** Options of the pixel: engagekit's (`endpoint`, `writeKey`, …) and `storefront`. */
export interface PixelConfig extends Config {
  /**
   * Also report the storefront's events (`page_viewed` outside the checkout, `product_viewed`,
   * `product_added_to_cart`, `cart_viewed`). Off by default: engagekit.min.js on the storefront
   * reports those itself, and both would count them twice. Turn it on for a shop without it.
   */
  storefront?: boolean;
}

/**
 * The storefront's engagekit keys the pixel reads through `browser.localStorage` (the cart rules'
 * state) and writes back with the session. The session itself is read from the cookie only: it
 * comes with the anonymous id it belongs to.
 */
const SHARED_KEYS = ['cart', 'checkout', 'order'];

/** The checkout step each Shopify step event completes: contact 1, address 2, shipping 3 (payment 4 is its own event). */
const STEPS: Record<string, number> = {
  checkout_contact_info_submitted: 1,
  checkout_address_info_submitted: 2,
  checkout_shipping_info_submitted: 3,
};

/** Every standard event the pixel maps. */
export const SHOPIFY_EVENTS = [
  'page_viewed',
  'product_viewed',
  'product_added_to_cart',
  'cart_viewed',
  'checkout_started',
  'checkout_contact_info_submitted',
  'checkout_address_info_submitted',
  'checkout_shipping_info_submitted',
  'payment_info_submitted',
  'checkout_completed',
];

/** An amount of Shopify's MoneyV2 (`{ amount, currencyCode }`) as a number. */
const amountOf = (money: Payload | undefined) => (money?.amount == null ? undefined : +money.amount);

/** A ProductVariant (a line's `variant` or `merchandise`) as a Segment product. */
const productOf = (variant: Payload = {}, quantity?: number): Properties => ({
  product_id: variant.product?.id,
  variant: variant.id,
  sku: variant.sku || undefined,
  name: variant.product?.title,
  brand: variant.product?.vendor,
  category: variant.product?.type || undefined,
  price: amountOf(variant.price),
  quantity,
});

/** The products of a checkout's `lineItems` or a cart's `lines`. */
const productsOf = (lines: Payload[] | undefined) =>
  []
    .concat((lines || []) as never[])
    .map((line: Payload) => productOf(line.variant || line.merchandise, line.quantity));

/** What every checkout event says of its checkout (Shopify's Checkout object). */
const checkoutOf = (checkout: Payload = {}): Properties => ({
  checkout_id: checkout.token,
  value: amountOf(checkout.totalPrice),
  currency: checkout.currencyCode,
  products: productsOf(checkout.lineItems),
});

/**
 * Start engagekit in a Shopify pixel: `shopifyPixel({ analytics, browser, init }, { endpoint, writeKey })`.
 * Shopify's standard events become Segment e-commerce events, sent through engagekit's queue and
 * transport: `page_viewed` a page view, `product_viewed` Product Viewed, `product_added_to_cart`
 * Product Added (after Cart Started for a new cart), `cart_viewed` Cart Viewed, `checkout_started`
 * Checkout Started (once per cart), `checkout_contact_info_submitted`,
 * `checkout_address_info_submitted` and `checkout_shipping_info_submitted` Checkout Step Completed
 * (steps 1, 2, 3), `payment_info_submitted` Payment Info Entered (step 4), `checkout_completed`
 * Order Completed (once per order: order_id, checkout_id, total, revenue (subtotal), tax, shipping,
 * currency, products). Storefront events only with `storefront: true` (see PixelConfig).
 *
 * The visit is the storefront's: the anonymous id and session come from the `engagekit_visit`
 * cookie engagekit.min.js writes on Shopify storefronts (read with `browser.cookie.get`), the cart,
 * checkout and order state from the storefront's own engagekit keys (`browser.localStorage`), and
 * both are written back after each event, so one visit runs from landing page to order and the
 * storefront starts a new cart after the order. Without the cookie (and without `storefront: true`)
 * the pixel's visit stays in its frame and nothing is written to the storefront. Consent follows
 * Shopify's customer privacy API: with `init.customerPrivacy.analyticsProcessingAllowed` false,
 * events wait in memory (engagekit's pending consent) until `visitorConsentCollected` grants or
 * denies analytics (pass `customerPrivacy` too). Events that arrive before those reads are done wait
 * for them (1 s at most). Never throws: a problem is one console warning.
 */
export function shopifyPixel(api: WebPixelsApi, config: PixelConfig): void {
  try {
    const { analytics, browser, init, customerPrivacy } = api;
    const { storefront, ...trackerConfig } = { ...config };
    let tracker: Tracker | undefined;
    // Events (and consent choices, as functions) that came before the visit was read, in order: a
    // choice applies to the events after it only.
    const early: (ShopifyEvent | (() => void))[] = [];
    const track = (event: string, properties: Properties) => tracker!.track(event, properties);

    const handle = (event: ShopifyEvent) => {
      const data = event.data || {};
      const document = event.context?.document;
      const inCheckout = checkoutPage(String(document?.location?.href || ''));
      setTopPage(document);
      const name = event.name;
      const cartLine = data.cartLine || {};
      const checkout = data.checkout;
      if (name == 'page_viewed') {
        if (inCheckout || storefront) tracker!.page();
      } else if (name == 'product_viewed') {
        const variant = data.productVariant;
        if (storefront) track('Product Viewed', { ...productOf(variant), currency: variant?.price?.currencyCode });
      } else if (name == 'product_added_to_cart') {
        const item = {
          ...productOf(cartLine.merchandise, cartLine.quantity),
          currency: cartLine.cost?.totalAmount?.currencyCode,
        };
        if (storefront) addToCart(track, item, 'shopify');
      } else if (name == 'cart_viewed') {
        const cart = data.cart || {};
        const properties = {
          cart_id: cart.id,
          value: amountOf(cart.cost?.totalAmount),
          currency: cart.cost?.totalAmount?.currencyCode,
          products: productsOf(cart.lines),
        };
        if (storefront) track('Cart Viewed', properties);
      } else if (name == 'checkout_started') startCheckout(track, checkoutOf(checkout));
      else if (STEPS[name]) track('Checkout Step Completed', { ...checkoutOf(checkout), step: STEPS[name] });
      else if (name == 'payment_info_submitted') track('Payment Info Entered', { ...checkoutOf(checkout), step: 4 });
      else if (name == 'checkout_completed') {
        completeOrder(track, {
          ...checkoutOf(checkout),
          order_id: checkout?.order?.id,
          total: amountOf(checkout?.totalPrice),
          revenue: amountOf(checkout?.subtotalPrice),
          tax: amountOf(checkout?.totalTax),
          shipping: amountOf(checkout?.shippingLine?.price),
        });
      }
      writeBack();
    };

    // Whether the visit is shared with the storefront: its engagekit handed it over (the cookie), or
    // the pixel is the shop's only engagekit (storefront: true). Otherwise nothing is written there:
    // a storefront whose engagekit removed the cookie (pending or denied consent, a privacy signal)
    // gets no identifiers from the pixel.
    let sharing = !!storefront;
    // The visit as it now is, back to the storefront: the cookie and its engagekit keys, those the
    // tracker stores only (not under a privacy signal, pending or denied consent, or an opt-out).
    const writeBack = () => {
      if (!sharing) return;
      const aid = load('aid');
      const session = loadJson<Parameters<typeof visitValue>[0]['session']>('session');
      if (aid && session && persisted('aid') && persisted('session'))
        browser?.cookie
          ?.set(VISIT_COOKIE + '=' + visitValue({ aid, session }) + '; path=/; SameSite=Lax; max-age=1800')
          .catch(() => undefined);
      for (const key of ['session', ...SHARED_KEYS]) {
        if (!persisted(key)) continue;
        const value = load(key);
        const storage = browser?.localStorage;
        (value == null ? storage?.removeItem(PREFIX + key) : storage?.setItem(PREFIX + key, value))?.catch(
          () => undefined,
        );
      }
    };

    const subscribed = (event: ShopifyEvent) => {
      try {
        if (tracker) handle(event);
        else early.push(event);
      } catch (error) {
        warn('a Shopify event could not be tracked: ' + error);
      }
    };
    for (const name of SHOPIFY_EVENTS) analytics.subscribe(name, subscribed);
    // The visitor's choice, when the consent banner collects it (before the tracker starts too).
    customerPrivacy?.subscribe('visitorConsentCollected', (event) => {
      const decide = () => tracker!.consent(event?.customerPrivacy?.analyticsProcessingAllowed ? 'granted' : 'denied');
      if (tracker) decide();
      else early.push(decide);
    });

    // Read the visit (the cookie, the storefront's keys), then start; at most 1 s.
    const read = (promise: Promise<string | null> | undefined) =>
      Promise.race([
        Promise.resolve(promise).catch(() => null),
        new Promise<null>((resolve) => setTimeout(resolve, 1000, null)),
      ]);
    const start = ([cookie, ...shared]: (string | null | undefined)[]) => {
      const visit = parseVisit(cookie);
      SHARED_KEYS.forEach((key, index) => shared[index] != null && save(key, shared[index]!));
      if (visit) {
        sharing = true;
        save('aid', visit.aid);
        // `a`: the storefront announced this session (Session Started) already.
        save('session', flatJson({ ...visit.session, a: 1, c: '' }));
      }
      setTopPage(init?.context?.document);
      // Consent is Shopify's: without analytics consent events wait in memory until the visitor decides.
      tracker = createTracker({
        flushInterval: 1000,
        ...trackerConfig,
        consent: init?.customerPrivacy?.analyticsProcessingAllowed === false ? 'pending' : trackerConfig.consent,
      });
      early.splice(0).forEach((entry) => (typeof entry == 'function' ? entry() : subscribed(entry)));
    };
    Promise.all([
      read(browser?.cookie?.get(VISIT_COOKIE)),
      ...SHARED_KEYS.map((key) => read(browser?.localStorage?.getItem(PREFIX + key))),
    ])
      .then(start)
      .catch((error) => warn('the Shopify pixel could not start: ' + error));
  } catch (error) {
    warn('the Shopify pixel could not start: ' + error);
  }
}
