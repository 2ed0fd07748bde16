import { gunzipSync } from 'node:zlib';
import { vi } from 'vitest';
import { SESSION_TIMEOUT, touchSession } from '../../../src/session';

/** One message as a collector received it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON: the tests read its fields freely
export type Msg = Record<string, any>;

/**
 * A collector behind a stubbed `fetch`, for unit tests: records every request, answers from a
 * script of statuses (then 200), can be "down" (fetch rejects like a network error), and keeps
 * what it acknowledged. The real-browser tests use a real HTTP collector instead.
 */
export function fakeCollector() {
  const c = {
    answers: [] as (number | [number, string])[],
    down: false,
    requests: [] as {
      body: { batch: Msg[]; sentAt: string; writeKey: string; context?: Record<string, unknown> };
      headers: Record<string, string>;
      keepalive: boolean;
      status: number;
    }[],
    acked: [] as Msg[],
    fetch: vi.fn(async (_url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      const raw =
        headers['Content-Encoding'] === 'gzip'
          ? gunzipSync(Buffer.from(init.body as ArrayBuffer)).toString('utf8')
          : String(init.body);
      if (c.down) throw new TypeError('Failed to fetch');
      const a = c.answers.shift() ?? 200;
      const [status, retryAfter] = Array.isArray(a) ? a : [a];
      const body = JSON.parse(raw);
      c.requests.push({ body, headers, keepalive: !!init.keepalive, status });
      if (status >= 200 && status < 300) c.acked.push(...body.batch);
      return { status, headers: { get: (h: string) => (h === 'Retry-After' ? (retryAfter ?? null) : null) } };
    }),
    /** Acknowledged event names (track) in order. */
    events: () => c.acked.filter((m) => m.type === 'track').map((m) => m.event),
  };
  vi.stubGlobal('fetch', c.fetch);
  return c;
}

/**
 * Begin a visit whose `Session Started` was already sent, so a test sees only its own events
 * (the session rules themselves are tested in session.test.ts and in the browser).
 */
export function ongoingSession(): void {
  localStorage.clear();
  // No utm_* left in the URL by another test: a campaign would start a new session.
  history.replaceState({}, '', '/');
  touchSession(Date.now(), false, SESSION_TIMEOUT, '');
}

let n = 0;
/** A database name no other test uses. */
export const freshDb = (): string => `engagekit-test-${process.pid}-${++n}-${Math.random().toString(36).slice(2)}`;
