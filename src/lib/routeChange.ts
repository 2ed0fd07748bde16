import { guard } from './guard';

const listeners = new Set<(path: string) => void>();

/**
 * Be told when a single-page app changes route, with the path of the page view that ended, before
 * the new page view is recorded (so engagement and form abandonment are reported for the old one).
 * Each listener runs on its own: one that throws is a warning, and neither the others nor the
 * page's `history.pushState` see it. Returns a function that stops listening.
 */
export function onRouteChange(listener: (path: string) => void): () => void {
  const guarded = guard(listener);
  listeners.add(guarded);
  return () => listeners.delete(guarded);
}

/** Announce a route change (called by onPageView). */
export function routeChanged(path: string): void {
  listeners.forEach((listener) => listener(path));
}
