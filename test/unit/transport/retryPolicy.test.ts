import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());
import {
  BASE_BACKOFF,
  MAX_BACKOFF,
  MAX_RETRY_AFTER,
  isRetryable,
  retryDelay,
} from '../../../src/transport/retryPolicy';

describe('isRetryable', () => {
  it('retries network errors, 408, 429 and 5xx only', () => {
    for (const s of [0, 408, 429, 500, 502, 503, 504, 599]) expect(isRetryable(s), String(s)).toBe(true);
    for (const s of [200, 204, 301, 400, 401, 403, 404, 413, 422]) expect(isRetryable(s), String(s)).toBe(false);
  });
});

describe('retryDelay', () => {
  it('doubles from the base with jitter between half and all of it, up to the cap', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const full = Math.min(MAX_BACKOFF, BASE_BACKOFF * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const d = retryDelay(attempt);
        expect(d).toBeGreaterThanOrEqual(full / 2);
        expect(d).toBeLessThanOrEqual(full);
      }
    }
  });

  it('is exactly half the backoff at the lowest jitter and all of it at the highest, and stays finite', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 5, 6, 7].map((a) => retryDelay(a))).toEqual([500, 1000, 2000, 16_000, 30_000, 30_000]);
    random.mockReturnValue(1);
    expect([0, 1, 5, 6, 1e6].map((a) => retryDelay(a))).toEqual([1000, 2000, 32_000, MAX_BACKOFF, MAX_BACKOFF]);
  });

  it('spreads retries of tabs that failed together', () => {
    expect(new Set(Array.from({ length: 20 }, () => retryDelay(3))).size).toBeGreaterThan(10);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped', () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    expect(retryDelay(0, '3', now)).toBe(3000);
    expect(retryDelay(5, ' 0 ', now)).toBe(0);
    expect(retryDelay(0, new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(retryDelay(0, '99999', now)).toBe(MAX_RETRY_AFTER);
    expect(retryDelay(0, new Date(now + 86_400_000).toUTCString(), now)).toBe(MAX_RETRY_AFTER);
    // Retry-After wins over the backoff of a later attempt, shorter or longer.
    expect(retryDelay(10, '2', now)).toBe(2000);
    expect(retryDelay(0, 'Tue, 24 Nov 2026 12:02:00 GMT', now)).toBe(120_000);
  });

  it('falls back to backoff for a Retry-After in the past or unreadable', () => {
    const now = Date.UTC(2026, 10, 24);
    for (const h of [new Date(now - 5000).toUTCString(), 'soon', '-3', '1.5']) {
      const d = retryDelay(0, h, now);
      expect(d).toBeGreaterThanOrEqual(BASE_BACKOFF / 2);
      expect(d).toBeLessThanOrEqual(BASE_BACKOFF);
    }
  });
});
