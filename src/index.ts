export { init, track, page, identify, flush, reset, optOut, optIn } from './defaultTracker';
export { createTracker } from './tracker';
export type { Config, Context, EngagekitError, Message, PageContext, Properties, SessionContext, Tracker } from './types';
