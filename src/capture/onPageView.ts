import { guard } from '../lib/guard';
import { listen } from '../lib/listen';
import { routeChanged } from '../lib/routeChange';
import { safeStart } from '../lib/safeStart';
import { wrapMethod } from '../lib/wrapMethod';

/** Options of `onPageView`. */
export interface PageViewOptions {
  /**
   * Which of the query names a page, for sites whose pages differ by query alone (`/search?q=…`,
   * `/list?page=2`): the names of those parameters (`['page', 'q']`; a comma-separated string from a
   * script tag's `data-page-view-query="page,q"`), or `true` for the whole query. Unset, only the
   * path does: a `?variant=` or `?sort=` change is the same page.
   */
  query?: boolean | string[] | string;
}

/**
 * Record a page view now and on every navigation the visitor made in a single-page app: a new
 * document, `history.pushState` or `popstate` (back/forward) to a new path, or to a new query where
 * `query` says the query names a page; `replaceState` to a new path (a router's redirect). A
 * `replaceState` that changes only the query or the hash of the same path is never one (Shopify
 * rewrites `?variant=` that way on every variant pick), and a hash change alone is not one either.
 * A page view ends the previous one (its forms are abandoned, its engagement reported); nothing
 * else does. A prerendered page (Speculation Rules) records its view only when it is shown, and a
 * page restored from the back/forward cache is viewed again. Returns a function that stops
 * capturing and gives `history` back (see wrapMethod: a wrapper another script put over ours stays).
 */
export const onPageView = /* @__PURE__ */ safeStart('onPageView', startPageView);

function startPageView(page: () => void, options?: PageViewOptions) {
  const query = options?.query;
  // true, the names of the parameters, or false (anything else, such as a number, is no names).
  const pageParams =
    query === true || (typeof query == 'string' ? query.split(/\s*,\s*/) : Array.isArray(query) && query.map(String));
  // What tells one page from another: the path, and the query parameters that name a page.
  const pageKey = () => {
    const params = new URLSearchParams(location.search);
    return (
      location.pathname +
      (pageParams === true
        ? location.search
        : pageParams
          ? '?' + pageParams.map((name) => name + '=' + params.getAll(name).join()).join('&')
          : '')
    );
  };
  let lastKey = '';
  let lastPath = '';
  // Runs inside the page's own pushState: whatever fails here is a warning, never the page's exception.
  const recordIfNewPage = (replaced?: boolean) =>
    guard(() => {
      const key = pageKey();
      const endedPath = lastPath;
      if (key == lastKey) return;
      lastKey = key;
      lastPath = location.pathname;
      // replaceState renames the page being viewed, unless it leads to another path.
      if (replaced && lastPath == endedPath) return;
      if (endedPath) routeChanged(endedPath);
      page();
    });
  const recordNavigation = recordIfNewPage();
  // https://wicg.github.io/nav-speculation/prerendering.html#eventdef-document-prerenderingchange
  const pageDocument = document as Document & { prerendering?: boolean };
  const stops = [
    // Wrap rather than replace: the page (or its router) may have wrapped these too, and keeps working.
    wrapMethod(history, 'pushState', recordNavigation),
    wrapMethod(history, 'replaceState', recordIfNewPage(true)),
    listen(window, 'popstate', recordNavigation),
    // The visitor came back to it: a new view of the same URL.
    listen(window, 'pageshow', (event: PageTransitionEvent) => event.persisted && page()),
  ];
  if (pageDocument.prerendering)
    stops.push(listen(pageDocument, 'prerenderingchange', recordNavigation, { once: true }));
  else recordNavigation();
  return stops;
}
