import type { Tracker } from './types';

/**
 * The tracker where engagekit cannot run — server-side rendering, or a config it cannot read:
 * every method does nothing, and `flush()` resolves true (nothing is waiting). It opens nothing
 * (no channel, timer, listener or IndexedDB), so a Node process exits as if it were not there.
 */
export function noopTracker(): Tracker {
  const nothing = () => undefined;
  return {
    track: nothing,
    page: nothing,
    identify: nothing,
    flush: () => Promise.resolve(true),
    reset: nothing,
    optOut: nothing,
    optIn: nothing,
    consent: nothing,
    stop: nothing,
  };
}
