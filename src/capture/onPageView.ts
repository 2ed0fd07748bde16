import { routeChanged } from '../lib/routeChange';

/**
 * Record a page view now and on every single-page-app navigation: `history.pushState`,
 * `replaceState` that changes the path or query, and `popstate` (back/forward). The same URL is
 * never recorded twice in a row, and a hash change alone is not a page view. A page being
 * prerendered (Speculation Rules) records its view only when it is shown, and a page restored from
 * the back/forward cache is viewed again. Returns a function that stops capturing and restores `history`.
 */
export function onPageView(page: () => void): () => void {
  let last = '';
  const url = () => location.href.split('#')[0];
  const check = () => {
    const now = url();
    if (now == last) return;
    if (last) routeChanged(new URL(last).pathname);
    last = now;
    page();
  };
  const h = history;
  const push = h.pushState;
  const replace = h.replaceState;
  // Wrap rather than replace: the page (or its router) may have wrapped these too, and keeps working.
  h.pushState = function (...a: Parameters<History['pushState']>) {
    push.apply(this, a);
    check();
  };
  h.replaceState = function (...a: Parameters<History['replaceState']>) {
    replace.apply(this, a);
    check();
  };
  addEventListener('popstate', check);
  // The visitor came back to it: a new view of the same URL.
  const restored = (e: PageTransitionEvent) => e.persisted && page();
  addEventListener('pageshow', restored);
  const doc = document as Document & { prerendering?: boolean };
  if (doc.prerendering) doc.addEventListener('prerenderingchange', check, { once: true });
  else check();
  return () => {
    h.pushState = push;
    h.replaceState = replace;
    removeEventListener('popstate', check);
    removeEventListener('pageshow', restored);
    doc.removeEventListener('prerenderingchange', check);
  };
}
