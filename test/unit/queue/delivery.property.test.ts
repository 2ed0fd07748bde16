/**
 * Property: whatever the interleaving of tracking, flushing, collector outages, reloads and a
 * second tab sharing the IndexedDB queue, no acknowledged event is acknowledged again, and once
 * the collector is back every tracked event is acknowledged. happy-dom has no Web Locks, so both
 * tabs may send at the same time: the IndexedDB claims alone must keep them apart.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../../src/tracker';
import type { Tracker } from '../../../src/types';
import { fakeCollector, freshDb, ongoingSession } from '../support/fakeCollector';

type Op = { kind: 'track'; tab: 0 | 1; n: number } | { kind: 'flush'; tab: 0 | 1 } | { kind: 'collector'; up: boolean; status: number } | { kind: 'reload'; tab: 0 | 1 } | { kind: 'both-flush' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('track' as const), tab: fc.constantFrom(0 as const, 1 as const), n: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('flush' as const), tab: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ kind: fc.constant('collector' as const), up: fc.boolean(), status: fc.constantFrom(200, 503, 429, 500) }),
  fc.record({ kind: fc.constant('reload' as const), tab: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ kind: fc.constant('both-flush' as const) }),
);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('queue and delivery state machine', () => {
  it('never acknowledges an event twice and, once the collector is back, acknowledges every event', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 8 }), async (ops, batchSize) => {
        const col = fakeCollector();
        const dbName = freshDb();
        ongoingSession();
        const open = () => createTracker({ endpoint: 'https://c.test/b', dbName, batchSize, flushInterval: 3_600_000, compress: false });
        const tabs: Tracker[] = [open(), open()];
        const tracked: string[] = [];
        let serial = 0;
        let failWith = 0;
        col.fetch.mockImplementation(wrap(col.fetch.getMockImplementation()!, () => failWith));
        try {
          for (const o of ops) {
            if (o.kind === 'track') for (let i = 0; i < o.n; i++) tracked.push(track(tabs[o.tab], `e${serial++}`));
            else if (o.kind === 'flush') await tabs[o.tab].flush();
            else if (o.kind === 'both-flush') await Promise.all(tabs.map((t) => t.flush()));
            else if (o.kind === 'collector') (col.down = !o.up), (failWith = o.status === 200 ? 0 : o.status);
            else {
              // A reload: the page goes away between operations (nothing in flight), a new one starts on the same queue.
              tabs[o.tab].stop();
              tabs[o.tab] = open();
            }
          }
          col.down = false;
          failWith = 0;
          for (let i = 0; i < 20 && new Set(col.acked.map((m) => m.event)).size < tracked.length; i++) await Promise.all(tabs.map((t) => t.flush()));
          const ackedIds = col.acked.map((m) => m.messageId);
          expect(new Set(ackedIds).size, 'an acknowledged event was sent again').toBe(ackedIds.length);
          expect(col.acked.map((m) => m.event).sort()).toEqual(tracked.slice().sort());
        } finally {
          tabs.forEach((t) => t.stop());
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

/** Track one event and return its name. */
function track(t: Tracker, name: string): string {
  t.track(name);
  return name;
}

/** Make the fake collector answer `status()` (when not 0) instead of 2xx, without recording an acknowledgement. */
function wrap<F extends (...a: any[]) => Promise<any>>(inner: F, status: () => number): F {
  return (async (...a: any[]) => {
    const s = status();
    if (s) return { status: s, headers: { get: () => null } };
    return inner(...a);
  }) as F;
}
