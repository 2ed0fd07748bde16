/**
 * A page whose Content-Security-Policy connect-src blocks the collector: the violation event is
 * recognised (enforced, connect-src, the endpoint's origin only), warned about once, and the
 * tracker stops sending from that page while keeping every event queued for a later page.
 */
import { values } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { blocksEndpoint } from '../../../src/transport/cspBlock';
import { createTracker } from '../../../src/tracker';
import type { Tracker } from '../../../src/types';
import { fakeCollector, freshDb, ongoingSession } from '../support/fakeCollector';
import { openStore } from '../../../src/queue/idbStore';

const ENDPOINT = 'https://collector.test:8443/v1/batch';
const violation = (fields: Partial<SecurityPolicyViolationEvent> = {}) =>
  Object.assign(new Event('securitypolicyviolation', { bubbles: true }), {
    disposition: 'enforce',
    effectiveDirective: 'connect-src',
    blockedURI: ENDPOINT,
    ...fields,
  }) as SecurityPolicyViolationEvent;

let warn: MockInstance<typeof console.warn>;
const blockWarnings = () => warn.mock.calls.map((c) => String(c[0])).filter((w) => w.includes('connect-src'));
let col: ReturnType<typeof fakeCollector>;
let tracker: Tracker | undefined;
beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  tracker?.stop();
  tracker = undefined;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('blocksEndpoint', () => {
  it("recognises an enforced connect-src block of the endpoint's origin, whole URL or origin alone", () => {
    // A different endpoint each time: the warning is said once per text.
    expect(blocksEndpoint(violation(), ENDPOINT)).toBe(true);
    expect(blocksEndpoint(violation({ blockedURI: 'https://collector.test:8443' }), ENDPOINT)).toBe(true);
    expect(blockWarnings()).toEqual([
      "engagekit: the page's Content-Security-Policy connect-src blocks https://collector.test:8443: add it to connect-src; events are kept and sent when allowed",
    ]);
  });

  it('ignores report-only policies, other directives and other origins (a longer port too)', () => {
    expect(blocksEndpoint(violation({ disposition: 'report' }), ENDPOINT)).toBe(false);
    expect(blocksEndpoint(violation({ effectiveDirective: 'img-src' }), ENDPOINT)).toBe(false);
    expect(blocksEndpoint(violation({ blockedURI: 'https://collector.test:84430/v1/batch' }), ENDPOINT)).toBe(false);
    expect(blocksEndpoint(violation({ blockedURI: 'https://other.test/v1/batch' }), ENDPOINT)).toBe(false);
    expect(blocksEndpoint(violation({ blockedURI: 'inline' }), ENDPOINT)).toBe(false);
  });
});

describe('a tracker whose collector the page blocks', () => {
  // Not ENDPOINT's origin: each warning is said once per page (here, per test file).
  const BLOCKED = 'https://blocked.test/v1/batch';
  it('stops sending from this page, even when it is left, and keeps every event queued', async () => {
    const dbName = freshDb();
    tracker = createTracker({ endpoint: BLOCKED, dbName, compress: false, flushInterval: 3_600_000 });
    col.down = true;
    tracker.track('Before');
    await tracker.flush();
    const attempts = col.fetch.mock.calls.length;
    expect(attempts).toBeGreaterThan(0);
    // What the browser fires after refusing that request (twice: it says so for each request).
    document.dispatchEvent(violation({ blockedURI: BLOCKED }));
    document.dispatchEvent(violation({ blockedURI: BLOCKED }));
    col.down = false;
    for (let i = 0; i < 30; i++) tracker.track('After' + i);
    expect(await tracker.flush()).toBe(false);
    window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
    expect(col.fetch.mock.calls.length).toBe(attempts);
    expect(blockWarnings()).toHaveLength(1);
    // Everything is still queued, for a page of the site the CSP lets through.
    await vi.waitFor(async () => expect(await values(openStore(dbName))).toHaveLength(31));
    tracker.stop();
    tracker = createTracker({ endpoint: BLOCKED, dbName, compress: false, flushInterval: 50 });
    await vi.waitFor(() => expect(col.events()).toHaveLength(31));
  });

  it('goes on sending when the violation is about something else', async () => {
    tracker = createTracker({ endpoint: BLOCKED, dbName: freshDb(), compress: false, flushInterval: 3_600_000 });
    document.dispatchEvent(violation({ blockedURI: 'https://ads.test/pixel' }));
    document.dispatchEvent(violation({ disposition: 'report' }));
    tracker.track('Sent');
    expect(await tracker.flush()).toBe(true);
    expect(col.events()).toEqual(['Sent']);
    expect(blockWarnings()).toEqual([]);
  });
});
