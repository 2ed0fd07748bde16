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
  const c = (input && typeof input == 'object' ? input : {}) as Record<string, unknown>;
  const keep = c.keepParams;
  const s = {
    ...DEFAULTS,
    endpoint: '',
    writeKey: '',
    compress: true,
    debug: false,
    dbName: 'engagekit',
    respectDnt: false,
    keepParams: typeof keep == 'string' ? keep.split(/\s*,\s*/) : Array.isArray(keep) ? keep.map(String) : [],
    consent: c.consent == 'pending' || c.consent == 'denied' ? c.consent : 'granted',
  } as Settings;
  if (c.consent != null && s.consent != c.consent) warn('consent must be pending, granted or denied: using granted');
  let url: URL | undefined;
  try {
    url = new URL(c.endpoint as string, location.href);
  } catch {
    // reported below
  }
  // A relative endpoint (a same-origin collector) resolves against the page; '' would resolve to the page itself.
  if (url && /^https?:$/.test(url.protocol) && c.endpoint && typeof c.endpoint == 'string') s.endpoint = url.href;
  else
    warn(
      'endpoint ' +
        (c.endpoint ? String(c.endpoint) + ' is not an http(s) URL' : 'missing') +
        ': nothing will be recorded',
    );
  for (const k in c) {
    const v = c[k];
    const want =
      k in DEFAULTS
        ? 'number'
        : k == 'beforeSend' || k == 'onError'
          ? 'function'
          : k == 'writeKey' || k == 'dbName'
            ? 'string'
            : k == 'compress' || k == 'debug' || k == 'respectDnt'
              ? 'boolean'
              : '';
    if (!want || v == null) continue;
    // Numbers must be positive (flushInterval may be 0); NaN and Infinity are refused too.
    if (
      typeof v == want &&
      (want != 'number' || ((v as number) >= (k == 'flushInterval' ? 0 : 1) && (v as number) < 1e12))
    )
      (s as unknown as Record<string, unknown>)[k] = v;
    else warn(k + ' must be a ' + (want == 'number' ? 'positive number' : want) + ': using the default');
  }
  s.maxBatchBytes = Math.min(s.maxBatchBytes, MAX_BATCH_BYTES);
  return s;
}

/**
 * Read options from a script tag's `data-*` attributes: `data-write-key`, `data-batch-size`,
 * `data-flush-interval`, `data-debug`, ... (dataset gives them camel-cased). Numbers (of the
 * numeric options only: a `data-db-name` of 2024 is a name) and booleans are converted; anything
 * else stays a string for `parseConfig` to judge.
 */
export function configFromAttributes(dataset: Record<string, string | undefined>): Config {
  const out: Record<string, unknown> = {};
  for (const k in dataset) {
    const v = dataset[k];
    out[k] =
      k == 'endpoint' || k == 'writeKey'
        ? v
        : v === 'true' || v === ''
          ? true
          : v === 'false'
            ? false
            : k in DEFAULTS && /^\d+(\.\d+)?$/.test(v!)
              ? +v!
              : v;
  }
  return out as Config;
}
