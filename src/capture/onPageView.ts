import { guard } from '../lib/guard';
import { listen } from '../lib/listen';
import { routeChanged } from '../lib/routeChange';
import { safeStart } from '../lib/safeStart';
import { wrapMethod } from '../lib/wrapMethod';

/**
 * Record a page view now and on every single-page-app navigation: `history.pushState`,
 * `replaceState` that changes the path or query, and `popstate` (back/forward). The same URL is
 * never recorded twice in a row, and a hash change alone is not a page view. A page being
 * prerendered (Speculation Rules) records its view only when it is shown, and a page restored from
 * the back/forward cache is viewed again. Returns a function that stops capturing and gives
 * `history` back (see wrapMethod: a wrapper another script put over ours stays).
 */
export const onPageView = /* @__PURE__ */ safeStart('onPageView', startPageView);

function startPageView(page: () => void) {
  let lastUrl = '';
  const currentUrl = () => location.href.split('#')[0];
  // Runs inside the page's own pushState: whatever fails here is a warning, never the page's exception.
  const recordIfNewUrl = guard(() => {
    const url = currentUrl();
    if (url == lastUrl) return;
    const endedUrl = lastUrl;
    lastUrl = url;
    if (endedUrl) routeChanged(new URL(endedUrl).pathname);
    page();
  });
  // https://wicg.github.io/nav-speculation/prerendering.html#eventdef-document-prerenderingchange
  const pageDocument = document as Document & { prerendering?: boolean };
  const stops = [
    // Wrap rather than replace: the page (or its router) may have wrapped these too, and keeps working.
    wrapMethod(history, 'pushState', recordIfNewUrl),
    wrapMethod(history, 'replaceState', recordIfNewUrl),
    listen(window, 'popstate', recordIfNewUrl),
    // The visitor came back to it: a new view of the same URL.
    listen(window, 'pageshow', (event: PageTransitionEvent) => event.persisted && page()),
  ];
  if (pageDocument.prerendering) stops.push(listen(pageDocument, 'prerenderingchange', recordIfNewUrl, { once: true }));
  else recordIfNewUrl();
  return stops;
}
