export { init, track, page, identify, flush, reset, optOut, optIn } from './defaultTracker';
export { createTracker } from './tracker';
export { autocapture, type AutocaptureOptions } from './autocapture';
export { onPageView } from './capture/onPageView';
export { onEngagement } from './capture/onEngagement';
export { onForms } from './capture/onForms';
export { onLinks } from './capture/onLinks';
export type { Config, Context, EngagekitError, Message, PageContext, Properties, SessionContext, Tracker } from './types';
