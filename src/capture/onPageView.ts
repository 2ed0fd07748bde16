import { routeChanged } from '../lib/routeChange';

/**
 * Record a page view now and on every single-page-app navigation: `history.pushState`,
 * `replaceState` that changes the path or query, and `popstate` (back/forward). The same URL is
 * never recorded twice in a row, and a hash change alone is not a page view. A page being
 * prerendered (Speculation Rules) records its view only when it is shown, and a page restored from
 * the back/forward cache is viewed again. Returns a function that stops capturing and restores `history`.
 */
export function onPageView(page: () => void): () => void {
  let lastUrl = '';
  const currentUrl = () => location.href.split('#')[0];
  const recordIfNewUrl = () => {
    const url = currentUrl();
    if (url == lastUrl) return;
    if (lastUrl) routeChanged(new URL(lastUrl).pathname);
    lastUrl = url;
    page();
  };
  const pageHistory = history;
  const originalPushState = pageHistory.pushState;
  const originalReplaceState = pageHistory.replaceState;
  // Wrap rather than replace: the page (or its router) may have wrapped these too, and keeps working.
  pageHistory.pushState = function (...args: Parameters<History['pushState']>) {
    originalPushState.apply(this, args);
    recordIfNewUrl();
  };
  pageHistory.replaceState = function (...args: Parameters<History['replaceState']>) {
    originalReplaceState.apply(this, args);
    recordIfNewUrl();
  };
  addEventListener('popstate', recordIfNewUrl);
  // The visitor came back to it: a new view of the same URL.
  const onPageShow = (event: PageTransitionEvent) => event.persisted && page();
  addEventListener('pageshow', onPageShow);
  // https://wicg.github.io/nav-speculation/prerendering.html#eventdef-document-prerenderingchange
  const pageDocument = document as Document & { prerendering?: boolean };
  if (pageDocument.prerendering) pageDocument.addEventListener('prerenderingchange', recordIfNewUrl, { once: true });
  else recordIfNewUrl();
  return () => {
    pageHistory.pushState = originalPushState;
    pageHistory.replaceState = originalReplaceState;
    removeEventListener('popstate', recordIfNewUrl);
    removeEventListener('pageshow', onPageShow);
    pageDocument.removeEventListener('prerenderingchange', recordIfNewUrl);
  };
}
