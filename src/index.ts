export { init, track, page, identify, flush, reset, optOut, optIn, cart, checkout, order } from './defaultTracker';
export { createTracker } from './tracker';
export { autocapture, type AutocaptureOptions } from './autocapture';
export { onPageView, type PageViewOptions } from './capture/onPageView';
export { onEngagement } from './capture/onEngagement';
export { onForms } from './capture/onForms';
export { onLinks } from './capture/onLinks';
export { onWebVitals, type WebVitals } from './capture/onWebVitals';
export { onCartAdds } from './capture/cart/onCartAdds';
export { PLATFORMS, type CartPlatform } from './capture/cart/platforms';
export { checkoutPage } from './capture/cart/checkoutPage';
export { onConsentSignals } from './consent/consentSignals';
export { onGa4Commerce, GA4_EVENTS } from './capture/cart/onGa4Commerce';

export type {
  Config,
  Consent,
  Context,
  EngagekitError,
  Message,
  PageContext,
  Properties,
  SessionContext,
  Tracker,
} from './types';
