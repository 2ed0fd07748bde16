/** First retry after about this long; each further failure doubles it. */
export const BASE_BACKOFF = 1000;
/** Backoff never grows past this. */
export const MAX_BACKOFF = 60_000;
/** A collector's Retry-After is honoured up to this. */
export const MAX_RETRY_AFTER = 300_000;

/** Network errors (status 0), timeouts, throttling and server errors are worth another try; other answers are final. */
export function isRetryable(statusCode: number): boolean {
  return statusCode == 0 || statusCode == 408 || statusCode == 429 || statusCode >= 500;
}

/**
 * How long to wait before retry number `attempt` (0-based): the collector's `Retry-After`
 * (delta-seconds or an HTTP date: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3) when it
 * sent one, else exponential backoff with jitter (half fixed, half random, so tabs that failed
 * together do not retry together). Capped.
 */
export function retryDelay(attempt: number, retryAfter?: string | null, now = Date.now()): number {
  let delay = NaN;
  if (retryAfter) {
    const inSeconds = /^\s*\d+\s*$/.test(retryAfter);
    delay = inSeconds ? +retryAfter * 1000 : Date.parse(retryAfter) - now;
  }
  // No usable Retry-After (none, unparseable, or a date in the past): back off.
  if (!(delay >= 0)) {
    delay = Math.min(MAX_BACKOFF, BASE_BACKOFF * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() / 2);
  }
  return Math.min(delay, MAX_RETRY_AFTER);
}
