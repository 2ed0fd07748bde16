/**
 * The script-tag entry, built to dist/engagekit.min.js: the only file that touches `window` at
 * load. It reads its options from its own tag's data-* attributes (over an optional
 * `window.engagekitConfig`, the place for functions such as beforeSend), replaces the stub
 * `window.engagekit` with the real one, replays the calls the stub queued, in order, and records a
 * page view unless `data-page-view="false"`. A second copy of the script does nothing.
 */
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
    if ((attrs as { pageView?: boolean }).pageView !== false) t.page();
  }
} catch (e) {
  warn('could not start: ' + e);
}
