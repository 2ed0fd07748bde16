import { pollFor } from '../lib/pollFor';
import type { Consent } from '../types';

/** The CMP API's one function (IAB TCF v2.2 CMP API, "How does the CMP provide the API?"). */
type TcfApi = (command: string, version: number, callback: (...results: never[]) => void, parameter?: unknown) => void;

/** The fields of the CMP's TCData we read (the CMP API's `TCData` object). */
interface TcData {
  gdprApplies?: boolean;
  eventStatus?: string;
  listenerId?: number;
  purpose?: { consents?: Record<number, boolean | undefined> };
}

/**
 * The TCF purposes analytics needs, all by consent (IAB Europe TCF v2.2 Policies, Appendix A,
 * https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/):
 * 1 "Store and/or access information on a device" (our anonymous id and session in localStorage;
 * never a legitimate-interest purpose), 7 "Measure advertising performance" (orders, carts and
 * campaigns), 8 "Measure content performance" (page views, engagement, forms, Web Vitals) and
 * 9 "Understand audiences through statistics or combinations of data from different sources"
 * (sessions, returning visitors). Legitimate interest is not counted for 7–9: without purpose 1
 * we could not store anything, and a visitor who refused consent in the banner has refused.
 */
const PURPOSES = [1, 7, 8, 9];

/**
 * Follow the IAB TCF v2.2 CMP API
 * (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md):
 * `__tcfapi('addEventListener', 2, callback)` on this frame's CMP (or its stub), whose callback
 * is called at once and then on every change of the TC string. `report` is told:
 * - `granted` when `gdprApplies` is false (no consent needed here);
 * - on `tcloaded` (a stored, valid choice) and `useractioncomplete` (the visitor chose):
 *   `granted` when purposes 1, 7, 8 and 9 all have consent (`purpose.consents`), else `denied`;
 * - on `cmpuishown` (the banner is showing) and anything else: `pending` until a first choice,
 *   and after one, nothing (a re-opened banner leaves the last choice standing until it is
 *   confirmed).
 * A `__tcfapi` defined after we start (the CMP script loads later) is looked for every 250 ms for
 * 10 s (see pollFor). Only a same-frame CMP is followed, not the `__tcfapiLocator` postMessage
 * route of iframes. Returns a stop function, which removes the listener with its `listenerId`.
 */
export function onTcf(report: (state: Consent) => void): () => void {
  let stopped = false;
  let state: Consent | undefined;
  let api: TcfApi | undefined;
  let listenerId: number | undefined;
  const removeListener = () => {
    try {
      if (api && listenerId !== undefined) api('removeEventListener', 2, () => {}, listenerId);
    } catch {
      // The CMP threw: nothing more we can do.
    }
    listenerId = undefined;
  };
  const listener = (tcData: TcData, success: boolean) => {
    try {
      if (!success || !tcData || typeof tcData != 'object') return;
      if (typeof tcData.listenerId == 'number') listenerId = tcData.listenerId;
      // A CMP that calls back only after we stopped: now that we know our id, leave.
      if (stopped) return removeListener();
      const status = tcData.eventStatus;
      let next: Consent = state || 'pending';
      if (tcData.gdprApplies === false) next = 'granted';
      else if (status == 'tcloaded' || status == 'useractioncomplete') {
        const consents = tcData.purpose?.consents;
        next = PURPOSES.every((purpose) => consents?.[purpose] === true) ? 'granted' : 'denied';
      }
      if (next != state) {
        state = next;
        report(next);
      }
    } catch {
      // A TCData with throwing getters: ignored.
    }
  };
  const cancel = pollFor(
    () => {
      const found = (window as unknown as { __tcfapi?: TcfApi }).__tcfapi;
      return typeof found == 'function' ? found : undefined;
    },
    (found) => {
      api = found;
      try {
        found('addEventListener', 2, listener);
      } catch {
        // A broken CMP: no signal from it.
      }
    },
  );
  return () => {
    stopped = true;
    cancel();
    removeListener();
  };
}
