import { readFileSync } from 'node:fs';

const pixelFile = new URL('../../../dist/engagekit-shopify-pixel.min.js', import.meta.url);

/**
 * Shopify's checkout with a custom pixel, emulated from Shopify's Web Pixels API reference
 * (https://shopify.dev/docs/api/web-pixels-api): checkout pages (any path) that run no engagekit of
 * their own, each with the pixel sandbox, an `<iframe sandbox="allow-scripts">` (no
 * allow-same-origin: an opaque origin, where IndexedDB, localStorage and document.cookie throw).
 * In the frame, Shopify's runtime gives the pixel code (the merchant's paste: engagekit's pixel file
 * and one call) `analytics.subscribe`, `browser.cookie.get/set` and
 * `browser.localStorage.getItem/setItem/removeItem` (async; answered by the top page over
 * postMessage, which reads and writes its own cookies and localStorage, as Shopify's are the top
 * frame's), `init` (context of the top page, data.customer, data.cart, data.shop,
 * customerPrivacy) and `customerPrivacy.subscribe('visitorConsentCollected', …)` (the top page's
 * `collectConsent(allowed)` is the visitor's choice in Shopify's banner). The top page's `publish(name, data)` delivers a standard event to the pixel's
 * subscribers with the top page's `context` (document, navigator, window), as Shopify does.
 */
export class ShopifyCheckout {
  /** What the sandbox frame found when it tried the opaque origin's storage, one per frame (faithfulness check). */
  probes: Record<string, string>[] = [];

  constructor(
    private endpoint: () => string,
    private pixelOptions: Record<string, unknown> = {},
    /** init.customerPrivacy.analyticsProcessingAllowed: false for a visitor who has not consented yet. */
    private analyticsAllowed = true,
  ) {}

  /**
   * Serve the checkout from `site` (same origin as its storefront, as Shopify's checkout is on the
   * shop's domain): `/checkouts/…` pages, the sandbox frame at `/pixel-sandbox`, and its probe.
   */
  mount(site: { rawPage: (path: string) => string | undefined }): void {
    site.rawPage = (path) => {
      if (path.startsWith('/pixel-sandbox')) return this.sandbox();
      if (path.startsWith('/pixel-probe?')) {
        this.probes.push(JSON.parse(new URLSearchParams(path.split('?')[1]).get('result') || '{}'));
        return '';
      }
      if (path.startsWith('/checkouts/')) return this.page();
    };
  }

  /** A checkout page: the top frame, which answers the sandbox's browser.* calls and publishes events. */
  private page(): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>Checkout - Test shop</title></head><body>
<h1>Checkout</h1>
<script>
  // The snapshot of the top page Shopify puts in init.context and in each event's context.
  function topContext() {
    var l = location;
    return {
      document: {
        characterSet: document.characterSet,
        location: { hash: l.hash, host: l.host, hostname: l.hostname, href: l.href, origin: l.origin, pathname: l.pathname, port: l.port, protocol: l.protocol, search: l.search },
        referrer: document.referrer,
        title: document.title,
      },
      navigator: { cookieEnabled: navigator.cookieEnabled, language: navigator.language, languages: navigator.languages, userAgent: navigator.userAgent },
      window: { innerHeight: innerHeight, innerWidth: innerWidth, location: { href: l.href, pathname: l.pathname, search: l.search }, origin: origin },
    };
  }
  var seq = 0;
  var frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.src = '/pixel-sandbox';
  frame.style.display = 'none';
  var ready = new Promise(function (resolve) { frame.onload = resolve; });
  document.body.appendChild(frame);
  // The browser API: the top frame's own cookies and localStorage, answered over postMessage.
  var methods = {
    'cookie.get': function (name) {
      var found = document.cookie.split('; ').filter(function (pair) { return pair.split('=')[0] === name; })[0];
      return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
    },
    'cookie.set': function (cookieOrName, value) {
      document.cookie = value === undefined ? cookieOrName : cookieOrName + '=' + value;
      return document.cookie;
    },
    'localStorage.getItem': function (key) { return localStorage.getItem(key); },
    'localStorage.setItem': function (key, value) { localStorage.setItem(key, value); },
    'localStorage.removeItem': function (key) { localStorage.removeItem(key); },
  };
  addEventListener('message', function (event) {
    var call = event.data && event.data.pixelCall;
    if (event.source !== frame.contentWindow || !call) return;
    var value = methods[call.method].apply(null, call.args);
    frame.contentWindow.postMessage({ pixelReply: call.id, value: value === undefined ? null : value }, '*');
  });
  ready.then(function () {
    frame.contentWindow.postMessage({ pixelInit: {
      context: topContext(),
      data: { customer: null, cart: null, shop: { name: 'Test shop', paymentSettings: { currencyCode: 'EUR' }, myShopifyDomain: 'test-shop.myshopify.com', countryCode: 'DE', storefrontUrl: location.origin } },
      customerPrivacy: { analyticsProcessingAllowed: ${this.analyticsAllowed}, marketingAllowed: false, preferencesProcessingAllowed: true, saleOfDataAllowed: false },
    } }, '*');
  });
  // The visitor's choice in Shopify's consent banner (customerPrivacy's visitorConsentCollected).
  window.collectConsent = function (analyticsAllowed) {
    return ready.then(function () {
      frame.contentWindow.postMessage({ pixelConsent: { customerPrivacy: { analyticsProcessingAllowed: analyticsAllowed, marketingAllowed: false, preferencesProcessingAllowed: true, saleOfDataAllowed: false } } }, '*');
    });
  };
  // Publish a standard event to the pixel, shaped as Shopify's (id, name, timestamp, clientId, seq, type, context, data).
  window.publish = function (name, data) {
    return ready.then(function () {
      frame.contentWindow.postMessage({ pixelEvent: {
        id: 'sh-' + Math.random().toString(16).slice(2), name: name, timestamp: new Date().toISOString(),
        clientId: 'shopify-client-1', seq: ++seq, type: 'standard', context: topContext(), data: data || {},
      } }, '*');
    });
  };
</script></body></html>`;
  }

  /** The sandbox frame: Shopify's pixel runtime, then the merchant's paste (engagekit's file and one call). */
  private sandbox(): string {
    const options = JSON.stringify({ endpoint: this.endpoint(), writeKey: 'test-key', ...this.pixelOptions });
    return `<!doctype html><html><head><meta charset="utf-8"></head><body><script>
  // What the opaque origin allows: each of these throws SecurityError here, as in Shopify's sandbox.
  (function () {
    var result = {};
    try { localStorage.getItem('x'); result.localStorage = 'ok'; } catch (e) { result.localStorage = e.name; }
    try { indexedDB.open('x'); result.indexedDB = 'ok'; } catch (e) { result.indexedDB = e.name; }
    try { document.cookie; result.cookie = 'ok'; } catch (e) { result.cookie = e.name; }
    result.origin = origin;
    fetch('/pixel-probe?result=' + encodeURIComponent(JSON.stringify(result)));
  })();
  // Shopify's Web Pixels runtime, emulated: analytics, browser and init.
  var subscribers = {}, replies = {}, callId = 0, early = [], started = null;
  var analytics = { subscribe: function (name, callback) { (subscribers[name] = subscribers[name] || []).push(callback); } };
  function call(method, args) {
    return new Promise(function (resolve) {
      replies[++callId] = resolve;
      parent.postMessage({ pixelCall: { id: callId, method: method, args: args } }, '*');
    });
  }
  var browser = {
    cookie: { get: function (name) { return call('cookie.get', [name]); }, set: function (c, v) { return call('cookie.set', [c, v]); } },
    localStorage: {
      getItem: function (k) { return call('localStorage.getItem', [k]); },
      setItem: function (k, v) { return call('localStorage.setItem', [k, v]); },
      removeItem: function (k) { return call('localStorage.removeItem', [k]); },
    },
  };
  var init, consentSubscribers = [];
  var customerPrivacy = { subscribe: function (name, callback) { if (name === 'visitorConsentCollected') consentSubscribers.push(callback); } };
  function deliver(event) { (subscribers[event.name] || []).forEach(function (callback) { callback(event); }); }
  addEventListener('message', function (event) {
    var data = event.data || {};
    if (data.pixelReply) { replies[data.pixelReply](data.value); delete replies[data.pixelReply]; }
    if (data.pixelInit) { init = data.pixelInit; runPixel(); }
    if (data.pixelConsent) consentSubscribers.forEach(function (callback) { callback(data.pixelConsent); });
    if (data.pixelEvent) { if (started) deliver(data.pixelEvent); else early.push(data.pixelEvent); }
  });
  // Shopify runs the pixel code once init is known, then delivers events (buffered until then).
  function runPixel() {
    ${readFileSync(pixelFile, 'utf8').replace(/<\/script/gi, '<\\/script')}
    engagekit.shopifyPixel({ analytics: analytics, browser: browser, init: init, customerPrivacy: customerPrivacy }, ${options});
    started = true;
    early.splice(0).forEach(deliver);
  }
</script></body></html>`;
  }
}

/** Shopify's ProductVariant, as in its standard events' payloads. */
export const TEE_VARIANT = {
  id: '4002',
  image: { src: '//cdn.shopify.com/tee-red.jpg' },
  price: { amount: 20.0, currencyCode: 'EUR' },
  product: { id: '7012', title: 'Tee', untranslatedTitle: 'Tee', url: '/products/tee', vendor: 'Acme', type: 'Shirts' },
  sku: 'TEE-RED',
  title: 'Red',
  untranslatedTitle: 'Red',
};

/** Shopify's Checkout object, as in the checkout events' payloads (with the buyer's email, which must not be sent). */
export function checkoutPayload(withOrder = false): Record<string, unknown> {
  return {
    checkout: {
      token: 'c1-8f2a',
      currencyCode: 'EUR',
      email: 'ada.lovelace@example.com',
      phone: null,
      attributes: [],
      discountApplications: [],
      lineItems: [
        {
          id: 'li-1',
          quantity: 2,
          title: 'Tee',
          discountAllocations: [],
          finalLinePrice: { amount: 40.0, currencyCode: 'EUR' },
          variant: TEE_VARIANT,
        },
      ],
      subtotalPrice: { amount: 40.0, currencyCode: 'EUR' },
      totalTax: { amount: 7.6, currencyCode: 'EUR' },
      shippingLine: { price: { amount: 4.9, currencyCode: 'EUR' } },
      totalPrice: { amount: 44.9, currencyCode: 'EUR' },
      shippingAddress: { city: 'Berlin', countryCode: 'DE', firstName: 'Ada', lastName: 'Lovelace' },
      order: withOrder ? { id: '5550001', customer: { id: '900', isFirstOrder: true } } : null,
    },
  };
}
