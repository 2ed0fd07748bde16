import type { Properties } from '../types';
import { guard } from '../lib/guard';
import { listen } from '../lib/listen';
import { onRouteChange } from '../lib/routeChange';
import { safeStart } from '../lib/safeStart';

/** Without input for this long, a visible, focused page no longer counts as engaged. */
export const IDLE_AFTER = 30_000;

/**
 * `Page Engagement` whenever a page view is hidden or ends (tab hidden, `pagehide`, route change):
 * `engaged_ms` since the previous report — time the page was visible, focused and in use (input
 * within the last 30 s) — `scroll_depth`, the deepest point reached in percent of the page, and
 * `final`, true when the page view ended. The sum of engaged_ms is the engaged time of a page
 * view; its last report has its scroll depth. `path` names the page view. Returns a stop function.
 */
export const onEngagement = /* @__PURE__ */ safeStart('onEngagement', startEngagement);

function startEngagement(track: (event: string, properties: Properties) => void) {
  let engagedMs = 0;
  // When the running engaged interval began; 0 while the page does not count as engaged.
  let engagedSince = 0;
  let lastInput = Date.now();
  let scrollDepth = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let path = location.pathname;
  // The page view ended with the page (pagehide); a later `visibilitychange` to hidden — a navigation
  // fires it after pagehide: https://html.spec.whatwg.org/multipage/document-lifecycle.html#unloading-documents
  // — has nothing left to report until a bfcache restore.
  let ended = false;

  // Close the running interval, if any, then start one when the page counts as engaged again.
  // Guarded, as are noteScroll (report goes on after it) and every listener below (by listen): they
  // run in the page's events and timers.
  const updateEngagedTime = guard(() => {
    const now = Date.now();
    if (engagedSince) engagedMs += Math.min(now, lastInput + IDLE_AFTER) - engagedSince;
    engagedSince =
      document.visibilityState == 'visible' && document.hasFocus() && now - lastInput < IDLE_AFTER ? now : 0;
    clearTimeout(idleTimer);
    if (engagedSince) idleTimer = setTimeout(updateEngagedTime, lastInput + IDLE_AFTER - now);
  });
  const noteInput = () => {
    lastInput = Date.now();
    if (!engagedSince) updateEngagedTime();
  };
  const noteScroll = guard(() => {
    const root = document.documentElement;
    const depthNow = Math.min(100, Math.round(((scrollY + innerHeight) / Math.max(root.scrollHeight, 1)) * 100));
    if (depthNow > scrollDepth) scrollDepth = depthNow;
    noteInput();
  });
  const report = (final: boolean, reportedPath = path) => {
    updateEngagedTime();
    track('Page Engagement', {
      engaged_ms: Math.round(engagedMs),
      scroll_depth: scrollDepth,
      final,
      path: reportedPath,
    });
    engagedMs = 0;
    if (final) {
      scrollDepth = 0;
      path = location.pathname;
      noteScroll();
    }
  };
  const stops = [
    onRouteChange((endedPath) => report(true, endedPath)),
    () => clearTimeout(idleTimer),
    ...['pointerdown', 'keydown', 'mousemove', 'touchstart', 'wheel'].map((eventName) =>
      listen(window, eventName, noteInput, { passive: true, capture: true }),
    ),
    listen(window, 'scroll', noteScroll, { passive: true }),
    listen(window, 'focus', updateEngagedTime),
    listen(window, 'blur', updateEngagedTime),
    // Capture phase: these run before the tracker's own pagehide and visibilitychange listeners
    // (capturing listeners fire first at the target, https://dom.spec.whatwg.org/#concept-event-dispatch),
    // so the report leaves with the page.
    listen(
      document,
      'visibilitychange',
      () => {
        if (document.visibilityState != 'hidden') updateEngagedTime();
        else if (!ended) report(false);
      },
      true,
    ),
    listen(
      window,
      'pagehide',
      () => {
        if (!ended) report(true);
        ended = true;
      },
      true,
    ),
    listen(window, 'pageshow', (event: PageTransitionEvent) => {
      if (event.persisted) {
        ended = false;
        lastInput = Date.now();
        updateEngagedTime();
      }
    }),
  ];
  noteScroll();
  updateEngagedTime();
  return stops;
}
