import type { Properties } from '../types';
import { onRouteChange } from '../lib/routeChange';

/** Without input for this long, a visible, focused page no longer counts as engaged. */
export const IDLE_AFTER = 30_000;

/**
 * `Page Engagement` whenever a page view is hidden or ends (tab hidden, `pagehide`, route change):
 * `engaged_ms` since the previous report — time the page was visible, focused and in use (input
 * within the last 30 s) — `scroll_depth`, the deepest point reached in percent of the page, and
 * `final`, true when the page view ended. The sum of engaged_ms is the engaged time of a page
 * view; its last report has its scroll depth. `path` names the page view. Returns a stop function.
 */
export function onEngagement(track: (event: string, properties: Properties) => void): () => void {
  let engaged = 0;
  let since = 0;
  let lastInput = Date.now();
  let depth = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let path = location.pathname;
  // The page view ended with the page (pagehide); a later `visibilitychange` to hidden — Chromium
  // fires it after pagehide when navigating — has nothing left to report until a bfcache restore.
  let ended = false;

  // Close the running interval, if any, then start one when the page counts as engaged again.
  const tick = () => {
    const now = Date.now();
    if (since) engaged += Math.min(now, lastInput + IDLE_AFTER) - since;
    since = document.visibilityState == 'visible' && document.hasFocus() && now - lastInput < IDLE_AFTER ? now : 0;
    clearTimeout(timer);
    if (since) timer = setTimeout(tick, lastInput + IDLE_AFTER - now);
  };
  const input = () => {
    lastInput = Date.now();
    if (!since) tick();
  };
  const scroll = () => {
    const el = document.documentElement;
    const d = Math.min(100, Math.round(((scrollY + innerHeight) / Math.max(el.scrollHeight, 1)) * 100));
    if (d > depth) depth = d;
    input();
  };
  const report = (final: boolean, of = path) => {
    tick();
    track('Page Engagement', { engaged_ms: Math.round(engaged), scroll_depth: depth, final, path: of });
    engaged = 0;
    if (final) {
      depth = 0;
      path = location.pathname;
      scroll();
    }
  };
  const visibility = () => (document.visibilityState != 'hidden' ? tick() : ended || report(false));
  const left = () => {
    if (!ended) report(true);
    ended = true;
  };
  const restored = (e: PageTransitionEvent) => {
    if (e.persisted) ((ended = false), (lastInput = Date.now()), tick());
  };
  const stopRoute = onRouteChange((old) => report(true, old));
  const events = ['pointerdown', 'keydown', 'mousemove', 'touchstart', 'wheel'];
  for (const e of events) addEventListener(e, input, { passive: true, capture: true });
  addEventListener('scroll', scroll, { passive: true });
  addEventListener('focus', tick);
  addEventListener('blur', tick);
  // Capture phase: these run before the tracker's own pagehide and visibilitychange listeners
  // (capturing listeners fire first at the target), so the report leaves with the page.
  document.addEventListener('visibilitychange', visibility, true);
  addEventListener('pagehide', left, true);
  addEventListener('pageshow', restored);
  scroll();
  tick();
  return () => {
    stopRoute();
    clearTimeout(timer);
    for (const e of events) removeEventListener(e, input, { capture: true });
    removeEventListener('scroll', scroll);
    removeEventListener('focus', tick);
    removeEventListener('blur', tick);
    document.removeEventListener('visibilitychange', visibility, true);
    removeEventListener('pagehide', left, true);
    removeEventListener('pageshow', restored);
  };
}
