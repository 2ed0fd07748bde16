/**
 * Whether this runs in a page. Server-side rendering (Node, Deno, Bun, an edge runtime) and workers
 * have no `window` or no `document`; there every export is a silent no-op. `navigator` is no test:
 * Node 21+ has one.
 */
export const inBrowser = (): boolean => typeof window != 'undefined' && typeof document != 'undefined';
