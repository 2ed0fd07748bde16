import { warn } from '../lib/warn';
import type { Consent } from '../types';
import { onConsentMode } from './consentMode';
import { onTcf } from './tcf';

/**
 * Consent from the consent manager the site already has: Google Consent Mode v2 through
 * `dataLayer` (see consentMode.ts) and the IAB TCF v2.2 `__tcfapi` (see tcf.ts), followed for as
 * long as the page lives. `apply` is called with the combined state each time it changes (the
 * script tag's `data-consent="auto"` passes `tracker.consent`):
 * - each source's latest decision (a Consent Mode `update`, a TCF `tcloaded` /
 *   `useractioncomplete` or `gdprApplies: false`) counts; when the two disagree, `denied` wins: a
 *   consent manager that drives both updates both on every choice, in an order of its own, and a
 *   refusal in either is a refusal;
 * - without a decision: `pending` while a TCF CMP is waiting for the visitor, else what the
 *   Consent Mode defaults say (`granted`, or `pending` when one is `denied`), else `pending`.
 * Start the tracker with `consent: 'auto'` (or `'pending'`) so that events wait, in memory, until
 * the first decision. Does nothing where there is no `window` (server-side rendering).
 * Returns a stop function that removes the TCF listener and puts back `dataLayer.push` if it is
 * still ours.
 */
export function onConsentSignals(apply: (state: Consent) => void): () => void {
  if (typeof window == 'undefined') return () => {};
  let modeState: Consent | undefined;
  let modeIsDefault = true;
  let tcfState: Consent | undefined;
  let current: Consent | undefined;
  // Both sources are read before the first apply: what is already on the page (a granted
  // default on dataLayer, a TCF banner showing) is weighed together, not in the order we look.
  let starting = true;
  let reported = false;
  const settle = () => {
    reported = true;
    if (starting) return;
    const decisions = [tcfState, modeIsDefault ? undefined : modeState];
    const state = decisions.includes('denied')
      ? 'denied'
      : decisions.includes('granted')
        ? 'granted'
        : tcfState || modeState || 'pending';
    if (state == current) return;
    current = state;
    try {
      apply(state);
    } catch (error) {
      warn('onConsentSignals: apply threw (' + error + ')');
    }
  };
  const stopConsentMode = onConsentMode((state, isDefault) => {
    modeState = state;
    modeIsDefault = isDefault;
    settle();
  });
  const stopTcf = onTcf((state) => {
    tcfState = state;
    settle();
  });
  starting = false;
  if (reported) settle();
  return () => {
    stopConsentMode();
    stopTcf();
  };
}
