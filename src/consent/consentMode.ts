import { onDataLayer } from '../lib/dataLayer';
import type { Consent } from '../types';

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

  const read = (given: unknown) => {
    const entry = given as Record<number, unknown> | null;
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
  };

  // The entries already there, then every push (see lib/dataLayer.ts: one wrapper of `push`,
  // shared with the GA4 commerce bridge, put back on stop while it is still ours). A hostile entry
  // (getters that throw) is skipped there.
  const stopReading = onDataLayer(read);

  return () => {
    stopped = true;
    stopReading();
  };
}
