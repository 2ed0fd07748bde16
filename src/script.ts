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
import { loadScript } from './lib/loadScript';
import { warn } from './lib/warn';
import { createTracker } from './tracker';
import type { Config, Tracker } from './types';
import type { WebVitals } from './capture/onWebVitals';

type Api = ((
  method: keyof Tracker | 'cart.add' | 'checkout.start' | 'order.complete',
  ...args: unknown[]
) => unknown) & { q?: IArguments[]; l?: 1; tracker?: Tracker };

try {
  const win = window as unknown as { engagekit?: Api; engagekitConfig?: Config };
  const stub = win.engagekit;
  if (!stub?.l) {
    // This script's own tag; null when it was not run from a classic <script> element
    // (https://html.spec.whatwg.org/multipage/dom.html#dom-document-currentscript).
    const script = document.currentScript as HTMLScriptElement | null;
    const attributes = configFromAttributes({ ...script?.dataset });
    const config = { ...win.engagekitConfig, ...attributes };
    const tracker = createTracker(config);
    const track = tracker.track.bind(tracker);
    const commerceCalls: Record<string, (properties: Record<string, unknown>) => void> = {
      'cart.add': (properties) => addToCart(track, properties, 'api'),
      'checkout.start': (properties) => startCheckout(track, properties),
      'order.complete': (properties) => completeOrder(track, properties),
    };
    // `engagekit('track', 'Signed Up', {...})`: a commerce call, a tracker method (but not stop),
    // or a warning. It returns what the method returns (flush's promise).
    const api: Api = (method, ...args) => {
      if (commerceCalls[method]) return commerceCalls[method](asObject(args[0], 'properties') || {});
      const methods = tracker as unknown as Record<string, (...methodArgs: unknown[]) => unknown>;
      if (typeof methods[method] == 'function' && method != 'stop') return methods[method](...args);
      return warn(method + '() is not an engagekit method: dropped');
    };
    api.l = 1;
    api.tracker = tracker;
    win.engagekit = api;
    for (const args of stub?.q || []) api(...(args as unknown as Parameters<Api>));
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
  }
} catch (error) {
  warn('could not start: ' + error);
}
