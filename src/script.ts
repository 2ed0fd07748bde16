/**
 * The script-tag entry, built to dist/engagekit.min.js: the only file that touches `window` at
 * load. It reads its options from its own tag's data-* attributes (over an optional
 * `window.engagekitConfig`, the place for functions such as beforeSend), replaces the stub
 * `window.engagekit` with the real one, replays the calls the stub queued, in order, and starts the
 * automatic captures (see autocapture.ts). A second copy of the script does nothing.
 */
import { autocapture, type AutocaptureOptions } from './autocapture';
import { configFromAttributes } from './config';
import { warn } from './lib/warn';
import { createTracker } from './tracker';
import type { Config, Tracker } from './types';

type Api = ((method: keyof Tracker, ...args: unknown[]) => unknown) & { q?: IArguments[]; l?: 1; tracker?: Tracker };

try {
  const w = window as unknown as { engagekit?: Api; engagekitConfig?: Config };
  const stub = w.engagekit;
  if (!stub?.l) {
    const attrs = configFromAttributes({ ...(document.currentScript as HTMLScriptElement | null)?.dataset });
    const t = createTracker({ ...w.engagekitConfig, ...attrs });
    const api: Api = (method, ...args) =>
      typeof t[method] == 'function' && method != 'stop' ? (t[method] as (...a: unknown[]) => unknown)(...args) : warn(method + '() is not an engagekit method: dropped');
    api.l = 1;
    api.tracker = t;
    w.engagekit = api;
    for (const args of stub?.q || []) api(...(args as unknown as Parameters<Api>));
    // Page views (single-page-app navigations too), engagement, forms and links, each unless its
    // attribute says false: data-page-view, data-engagement, data-forms, data-links.
    autocapture(t, attrs as AutocaptureOptions);
  }
} catch (e) {
  warn('could not start: ' + e);
}
