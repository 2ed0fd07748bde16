import type { Config, Consent, EngagekitError, Message } from './types';
import { warn } from './lib/warn';

/** No batch body is ever larger than this (Segment's own batch limit). */
export const MAX_BATCH_BYTES = 500_000;

/** The numeric options and their defaults. */
const DEFAULTS = {
  batchSize: 20,
  maxBatchBytes: MAX_BATCH_BYTES,
  flushInterval: 5000,
  maxQueueSize: 1000,
  maxAge: 7 * 864e5,
  sessionTimeout: 30 * 60_000,
};

/** The type each option that is not a number must have (the numbers are those of DEFAULTS). */
const OPTION_TYPES: Record<string, string | undefined> = {
  writeKey: 'string',
  dbName: 'string',
  compress: 'boolean',
  debug: 'boolean',
  respectDnt: 'boolean',
  beforeSend: 'function',
  onError: 'function',
};

/** Config with every default filled in and every value checked. */
export interface Settings extends Record<keyof typeof DEFAULTS, number> {
  endpoint: string;
  writeKey: string;
  compress: boolean;
  debug: boolean;
  dbName: string;
  keepParams: string[];
  respectDnt: boolean;
  consent: Consent;
  beforeSend?: (message: Message) => Message | null | false | undefined | void;
  onError?: (error: EngagekitError) => void;
}

/**
 * Check a user's config: each wrong value gets one warning naming it and its default is used
 * instead; nothing throws. An endpoint that is missing or not an http(s) URL leaves `endpoint`
 * empty, which makes the tracker a no-op. `maxBatchBytes` is capped at 500 000.
 */
export function parseConfig(input: unknown): Settings {
  const config = (input && typeof input == 'object' ? input : {}) as Record<string, unknown>;
  const keep = config.keepParams;
  const settings = {
    ...DEFAULTS,
    endpoint: '',
    writeKey: '',
    compress: true,
    debug: false,
    dbName: 'engagekit',
    respectDnt: false,
    keepParams: typeof keep == 'string' ? keep.split(/\s*,\s*/) : Array.isArray(keep) ? keep.map(String) : [],
    // `auto` starts pending: the consent manager's signals decide (see consent/consentSignals.ts).
    consent:
      config.consent == 'auto'
        ? 'pending'
        : config.consent == 'pending' || config.consent == 'denied'
          ? config.consent
          : 'granted',
  } as Settings;
  if (config.consent != null && config.consent != 'auto' && settings.consent != config.consent)
    warn('consent must be pending, granted, denied or auto: using granted');
  let url: URL | undefined;
  try {
    url = new URL(config.endpoint as string, location.href);
  } catch {
    // reported below
  }
  // A relative endpoint (a same-origin collector) resolves against the page; '' would resolve to the page itself.
  if (url && /^https?:$/.test(url.protocol) && config.endpoint && typeof config.endpoint == 'string')
    settings.endpoint = url.href;
  else
    warn(
      'endpoint ' +
        (config.endpoint ? String(config.endpoint) + ' is not an http(s) URL' : 'missing') +
        ': nothing will be recorded',
    );
  for (const key in config) {
    const value = config[key];
    // The type the option must have; none for an option that does not exist or is checked above.
    const want = key in DEFAULTS ? 'number' : OPTION_TYPES[key];
    if (!want || value == null) continue;
    // Numbers must be positive (flushInterval may be 0); NaN and Infinity are refused too.
    const asNumber = value as number;
    const valid =
      typeof value == want && (want != 'number' || (asNumber >= (key == 'flushInterval' ? 0 : 1) && asNumber < 1e12));
    if (valid) (settings as unknown as Record<string, unknown>)[key] = value;
    else warn(key + ' must be a ' + (want == 'number' ? 'positive number' : want) + ': using the default');
  }
  settings.maxBatchBytes = Math.min(settings.maxBatchBytes, MAX_BATCH_BYTES);
  return settings;
}

/**
 * Read options from a script tag's `data-*` attributes: `data-write-key`, `data-batch-size`,
 * `data-flush-interval`, `data-debug`, ... (dataset gives them camel-cased). Numbers (of the
 * numeric options only: a `data-db-name` of 2024 is a name) and booleans are converted; anything
 * else stays a string for `parseConfig` to judge.
 */
export function configFromAttributes(dataset: Record<string, string | undefined>): Config {
  const config: Record<string, unknown> = {};
  for (const key in dataset) {
    const value = dataset[key];
    if (key == 'endpoint' || key == 'writeKey') config[key] = value;
    // A bare attribute (`data-debug`) is true.
    else if (value === 'true' || value === '') config[key] = true;
    else if (value === 'false') config[key] = false;
    else if (key in DEFAULTS && /^\d+(\.\d+)?$/.test(value!)) config[key] = +value!;
    else config[key] = value;
  }
  return config as Config;
}
