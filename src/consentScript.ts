/**
 * The script-tag build's consent-manager reader, `dist/engagekit-consent.min.js`: `onConsentSignals`
 * (Consent Mode v2 and TCF v2.2), handed to engagekit.min.js through `window.engagekitConsent`.
 * That script loads this file from next to itself only with `data-consent="auto"`, so sites that
 * call `engagekit('consent', …)` themselves, or need no consent, never fetch it (it is about 900 B
 * brotli: the script tag every other site loads stays that much smaller).
 */
import { onConsentSignals } from './consent/consentSignals';

(window as unknown as { engagekitConsent: typeof onConsentSignals }).engagekitConsent = onConsentSignals;
