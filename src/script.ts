/**
 * The script-tag entry, built to dist/engagekit.min.js: the only file that touches `window` at
 * load. It reads its options from its own tag's data-* attributes (over an optional
 * `window.engagekitConfig`, the place for functions such as beforeSend), replaces the stub
 * `window.engagekit` with the real one, replays the calls the stub queued, in order, and starts the
 * automatic captures (see autocapture.ts). A second copy of the script does nothing.
 */
import { autocapture, type AutocaptureOptions } from './autocapture';
import { configFromAttributes } from './config';
import { addToCart, completeOrder, startCheckout } from './commerce';
import { asObject } from './event';
import type { onConsentSignals } from './consent/consentSignals';
import { shareVisit } from './capture/cart/visitCookie';
import { guard } from './lib/guard';
import { loadScript } from './lib/loadScript';
import { warn } from './lib/warn';
import { createTracker } from './tracker';
import type { Config, Tracker } from './types';
import type { WebVitals } from './capture/onWebVitals';

/** `window.engagekit`: the stub's queue `q` (what the page pushed: anything), `l` once loaded. */
type Api = ((...methodAndArgs: unknown[]) => unknown) & { q?: Iterable<unknown>; l?: 1; tracker?: Tracker };

try {
  const win = window as unknown as { engagekit?: Api; engagekitConfig?: Config };
  const stub = win.engagekit;
  if (!stub?.l) {
    // This script's own tag; null when it was not run from a classic <script> element
    // (https://html.spec.whatwg.org/multipage/dom.html#dom-document-currentscript).
    const script = document.currentScript as HTMLScriptElement | null;
    const attributes = configFromAttributes({ ...script?.dataset });
    // The page's own config object may be anything (a Proxy, getters that throw): unreadable, it is
    // left out with one warning and the script tag's attributes still start engagekit.
    let pageConfig: Config | undefined;
    try {
      pageConfig = { ...win.engagekitConfig };
    } catch {
      warn('window.engagekitConfig could not be read: ignored');
    }
    const config = { ...pageConfig, ...attributes };
    const tracker = createTracker(config);
    const track = tracker.track.bind(tracker);
    const commerceCalls: Record<string, (properties: Record<string, unknown>) => void> = {
      'cart.add': (properties) => addToCart(track, properties, 'api'),
      'checkout.start': (properties) => startCheckout(track, properties),
      'order.complete': (properties) => completeOrder(track, properties),
    };
    const methods = tracker as unknown as Record<string, (...methodArgs: unknown[]) => unknown>;
    // Own names only: `engagekit('__proto__')` or `engagekit('constructor')` finds nothing on Object.prototype.
    const has = (calls: object, method: unknown) => Object.keys(calls).includes(method as string);
    // `engagekit('track', 'Signed Up', {...})`: a commerce call, a tracker method (but not stop),
    // or a warning. It returns what the method returns (flush's promise), and never throws.
    const api: Api = guard((method: unknown, ...args: unknown[]) => {
      const name = method as string;
      if (has(commerceCalls, name)) return commerceCalls[name](asObject(args[0], 'properties') || {});
      if (has(methods, name) && name != 'stop') return methods[name](...args);
      return warn(String(method) + '() is not an engagekit method: dropped');
    }, 'engagekit() call dropped');
    api.l = 1;
    api.tracker = tracker;
    win.engagekit = api;
    // Each queued call on its own (api never throws): a bad one is dropped with a warning and the
    // rest still run, then the captures start. An entry that is no list of arguments is skipped.
    guard(() => {
      for (const entry of stub?.q || []) {
        const args = entry as ArrayLike<unknown> | null;
        // No engagekit call takes more than a few arguments: a huge `length` is not walked.
        if (args && typeof args == 'object' && typeof args.length == 'number') api(...[].slice.call(args, 0, 8));
        else warn('a queued call that is not a list of arguments was skipped');
      }
    }, 'the queued calls could not be replayed')();
    // A file of ours that sits next to this one, loaded on demand (Web Vitals, the consent reader).
    const loadSibling = (name: string) => loadScript((script?.src || '').replace(/[^/]*$/, name), script?.nonce);
    // data-consent="auto": consent follows the site's consent manager (Consent Mode v2, TCF v2.2),
    // read by engagekit-consent.min.js. Until it answers, events wait in memory (consent pending).
    if (config.consent == 'auto') {
      loadSibling('engagekit-consent.min.js').then(
        () =>
          (win as unknown as { engagekitConsent: typeof onConsentSignals }).engagekitConsent((state) =>
            tracker.consent(state),
          ),
        () => warn('engagekit-consent.min.js did not load: consent stays pending'),
      );
    }
    // Page views (single-page-app navigations too), engagement, forms, links, commerce and Web
    // Vitals, each unless its attribute says false: data-page-view, data-engagement, data-forms,
    // data-links, data-commerce, data-web-vitals.
    // Web Vitals come from engagekit-vitals.min.js next to this file, fetched only when they are on.
    const loadVitals = () =>
      loadSibling('engagekit-vitals.min.js').then(
        () => (win as unknown as { engagekitWebVitals: WebVitals }).engagekitWebVitals,
      );
    autocapture(tracker, {
      ...(attributes as AutocaptureOptions),
      webVitals: (attributes as AutocaptureOptions).webVitals !== false && loadVitals,
    });
    // On Shopify, the visit goes on in the checkout, where only engagekit's pixel runs: it reads the
    // anonymous id and session from a cookie (see visitCookie.ts, shopify/shopifyPixel.ts).
    if (
      (attributes as AutocaptureOptions).commerce !== false &&
      typeof (win as { Shopify?: unknown }).Shopify == 'object'
    )
      shareVisit(config.sessionTimeout);
  }
} catch (error) {
  warn('could not start: ' + error);
}
