import { pollFor } from '../lib/pollFor';
import type { Consent } from '../types';

/** The part of a page's `dataLayer` we use: an array, or an object with a `push` function. */
interface DataLayer {
  push: (...entries: unknown[]) => unknown;
}

/**
 * Follow Google Consent Mode v2 (https://developers.google.com/tag-platform/security/guides/consent):
 * the site's consent manager (Cookiebot, OneTrust, iubenda, Usercentrics, Complianz, …) calls
 * `gtag('consent', 'default' | 'update', { analytics_storage: 'granted' | 'denied', … })`, and
 * gtag is `function gtag(){dataLayer.push(arguments)}`, so each call is an `arguments` object
 * (plain arrays are read the same way) on `window.dataLayer`. The entries already there are read
 * in order, then every later push.
 *
 * `report(state, isDefault)` is told what `analytics_storage` now says:
 * - `update` (the visitor's choice, also a stored one re-applied on each page): `granted` or
 *   `denied`, `isDefault` false. Once an update was seen, later defaults change nothing (in
 *   Consent Mode a default only applies until an update).
 * - `default` (the site's setting before any choice): `denied` reports `pending` (the visitor has
 *   not decided yet: a banner is usually showing, `wait_for_update`), `granted` reports `granted`
 *   but only while no default said `denied`. Defaults scoped to a `region` are treated as applying
 *   to this visitor (we cannot tell where the visitor is), so the strictest default wins, in
 *   whatever order the site set them.
 * Other entries, consent types and values are ignored; nothing any entry holds (getters that
 * throw, proxies, non-objects) can make this throw.
 *
 * `dataLayer` may be defined after we start (the consent manager loads later): it is looked for
 * every 250 ms for 10 s (see pollFor). Returns a stop function.
 */
export function onConsentMode(report: (state: Consent, isDefault: boolean) => void): () => void {
  let stopped = false;
  let updated = false;
  let deniedByDefault = false;
  let restore = () => {};

  const read = (entries: ArrayLike<unknown>, index: number) => {
    try {
      const entry = entries[index] as Record<number, unknown> | null;
      // An arguments object or an array; `typeof` rules out functions, which GTM runs as commands.
      if (stopped || !entry || typeof entry != 'object' || entry[0] !== 'consent') return;
      const command = entry[1];
      const parameters = entry[2] as { analytics_storage?: unknown } | null;
      const value = parameters && typeof parameters == 'object' ? parameters.analytics_storage : undefined;
      if (value !== 'granted' && value !== 'denied') return;
      if (command === 'update') {
        updated = true;
        report(value, false);
      } else if (command === 'default' && !updated) {
        if (value == 'denied') deniedByDefault = true;
        report(deniedByDefault ? 'pending' : 'granted', true);
      }
    } catch {
      // A hostile entry: ignored.
    }
  };

  const cancel = pollFor(
    () => {
      const layer = (window as unknown as { dataLayer?: DataLayer }).dataLayer;
      return layer && typeof layer == 'object' && typeof layer.push == 'function' ? layer : undefined;
    },
    (layer) => {
      // The history, when it is a real array (so its length is a real, bounded one).
      if (Array.isArray(layer)) for (let i = 0; i < layer.length; i++) read(layer, i);
      // Later pushes. Hearing them as they happen means wrapping `push`: the one property we set
      // on an object the page owns, because nothing else tells us of a push (polling the array
      // would be late and never stop). It is what Google Tag Manager does itself, and its
      // open-source model, data-layer-helper
      // (https://github.com/google/data-layer-helper/blob/master/src/helper/helper.js), keeps the
      // previous `push` and calls it: so when GTM loads after us it calls our wrapper, and when it
      // loaded first we call its push. Ours calls the previous push with the same `this` and
      // arguments and returns its result (a throw from it is the page's own and goes on to the
      // caller), then reads what was pushed.
      try {
        const original = layer.push;
        const ownPush = Object.prototype.hasOwnProperty.call(layer, 'push');
        const wrapper = function (this: unknown, ...entries: unknown[]) {
          const result = original.apply(this, entries);
          for (let i = 0; i < entries.length; i++) read(entries, i);
          return result;
        };
        layer.push = wrapper;
        // On stop, put back what we found, but only while `push` is still ours: a wrapper
        // installed after ours (GTM's) calls ours, which from then on only passes calls through.
        restore = () => {
          if (layer.push !== wrapper) return;
          if (ownPush) layer.push = original;
          else Reflect.deleteProperty(layer, 'push');
        };
      } catch {
        // A frozen dataLayer or a push that cannot be replaced: its history is all we can read.
      }
    },
  );

  return () => {
    stopped = true;
    cancel();
    try {
      restore();
    } catch {
      // A page that made `push` read-only meanwhile keeps ours, which now only passes calls through.
    }
  };
}
