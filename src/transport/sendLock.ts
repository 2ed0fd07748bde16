/**
 * Run `task` while holding the site-wide send lock, so only one tab sends at a time. Uses Web Locks
 * (https://w3c.github.io/web-locks/) where the browser has them; the request waits while another
 * tab sends and gives up, resolving to `whenAborted`, when `signal` aborts (the page is being left:
 * a page that holds or waits for a lock is not put in the back/forward cache). Without Web Locks
 * tabs may send at the same time, which stays safe: each event is claimed in one IndexedDB
 * transaction before it is sent, so no two tabs send the same one.
 */
export function withSendLock<T>(name: string, signal: AbortSignal, task: () => Promise<T>, whenAborted: T): Promise<T> {
  const locks = typeof navigator != 'undefined' && navigator.locks;
  if (!locks) return task();
  return locks.request(name, { signal }, task).catch(() => whenAborted) as Promise<T>;
}
