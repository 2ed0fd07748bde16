import type { Metric } from 'web-vitals';
import type { Properties } from '../types';
import { guard } from '../lib/guard';
import { listen } from '../lib/listen';
import { safeStart } from '../lib/safeStart';

/** The part of the web-vitals package this capture uses. */
export type WebVitals = Pick<typeof import('web-vitals'), 'onLCP' | 'onINP' | 'onCLS' | 'onFCP' | 'onTTFB'>;

/**
 * `Web Vitals` once per page view (a hard load, or a restore from the back/forward cache):
 * `lcp`, `inp`, `fcp` and `ttfb` in milliseconds and `cls`, whichever the browser measured, plus
 * `navigation_type` and `path`. The web-vitals package is loaded by `load` only when this starts
 * (by default a dynamic `import()`, which bundlers split into its own chunk), so pages that turn
 * it off never fetch it. Sent when the page view is first hidden or left, before the tracker
 * hands its queue to the browser. Single-page-app route changes do not measure new vitals (the
 * browser has no such metrics for them). Returns a stop function.
 */
export const onWebVitals = /* @__PURE__ */ safeStart('onWebVitals', startWebVitals);

function startWebVitals(
  track: (event: string, properties: Properties) => void,
  load: () => Promise<WebVitals> = () => import('web-vitals'),
) {
  let vitals: Properties = {};
  let sent = false;
  let stopped = false;
  const path = location.pathname;
  // reportAllChanges: keep the latest value of each metric, because a navigation fires pagehide
  // before visibilitychange (https://html.spec.whatwg.org/multipage/document-lifecycle.html#unloading-documents),
  // and web-vitals reports final LCP, CLS and INP only on the latter.
  // Guarded, as every listener here (by listen): they run in web-vitals' callbacks and the page's events.
  const keepMetric = guard((metric: Metric) => {
    vitals[metric.name.toLowerCase()] =
      metric.name == 'CLS' ? Math.round(metric.value * 1e4) / 1e4 : Math.round(metric.value);
    vitals.navigation_type = metric.navigationType;
  });
  load().then(
    // Guarded: a throw here would be an unhandled rejection, which the page's error reporting sees.
    guard((webVitals: WebVitals) => {
      if (!stopped) {
        for (const onMetric of [webVitals.onTTFB, webVitals.onFCP, webVitals.onLCP, webVitals.onCLS, webVitals.onINP]) {
          onMetric(keepMetric, { reportAllChanges: true });
        }
      }
    }),
    () => undefined, // blocked or offline: no vitals for this page, nothing else changes
  );
  const report = () => {
    if (sent || stopped || !('lcp' in vitals || 'fcp' in vitals || 'ttfb' in vitals)) return;
    sent = true;
    track('Web Vitals', { ...vitals, path });
  };
  // Capture phase on document and window: after web-vitals' own listeners on window (which take
  // the last entries), before the tracker's, which then sends the report with the page.
  return [
    () => (stopped = true),
    listen(document, 'visibilitychange', () => document.visibilityState == 'hidden' && report(), true),
    listen(window, 'pagehide', report, true),
    // A page restored from the back/forward cache is a new page view, whose vitals web-vitals
    // measures again. Capture phase: before web-vitals' own pageshow listener reports them.
    listen(
      window,
      'pageshow',
      (event: PageTransitionEvent) => {
        if (event.persisted) {
          vitals = {};
          sent = false;
        }
      },
      true,
    ),
  ];
}
