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
  const w = window as unknown as { engagekit?: Api; engagekitConfig?: Config };
  const stub = w.engagekit;
  if (!stub?.l) {
    const me = document.currentScript as HTMLScriptElement | null;
    const attrs = configFromAttributes({ ...me?.dataset });
    const t = createTracker({ ...w.engagekitConfig, ...attrs });
    const track = t.track.bind(t);
    const shop: Record<string, (p: Record<string, unknown>) => void> = {
      'cart.add': (p) => addToCart(track, p, 'api'),
      'checkout.start': (p) => startCheckout(track, p),
      'order.complete': (p) => completeOrder(track, p),
    };
    const api: Api = (method, ...args) =>
      shop[method]
        ? shop[method](asObject(args[0], 'properties') || {})
        : typeof t[method as keyof Tracker] == 'function' && method != 'stop'
          ? (t[method as keyof Tracker] as (...a: unknown[]) => unknown)(...args)
          : warn(method + '() is not an engagekit method: dropped');
    api.l = 1;
    api.tracker = t;
    w.engagekit = api;
    for (const args of stub?.q || []) api(...(args as unknown as Parameters<Api>));
    // Page views (single-page-app navigations too), engagement, forms, links, commerce and Web
    // Vitals, each unless its attribute says false: data-page-view, data-engagement, data-forms,
    // data-links, data-commerce, data-web-vitals.
    // Web Vitals come from engagekit-vitals.min.js next to this file, fetched only when they are on.
    const vitals = () =>
      loadScript((me?.src || '').replace(/[^/]*$/, 'engagekit-vitals.min.js'), me?.nonce).then(
        () => (w as unknown as { engagekitWebVitals: WebVitals }).engagekitWebVitals,
      );
    autocapture(t, {
      ...(attrs as AutocaptureOptions),
      webVitals: (attrs as AutocaptureOptions).webVitals !== false && vitals,
    });
  }
} catch (e) {
  warn('could not start: ' + e);
}
