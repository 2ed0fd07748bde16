/**
 * Property: whatever the interleaving of tracking and flushing on two tabs, collector outages and
 * reloads, all on one shared IndexedDB queue and one collector, no messageId is acknowledged
 * twice, and once the collector is back and every live tab has flushed until the queue is empty,
 * every tracked messageId has been acknowledged. happy-dom has no Web Locks, so both tabs may send
 * at the same time, and without BroadcastChannel they do not hear each other's claims either: the
 * claims `_take` writes in IndexedDB must keep them apart.
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { keys } from 'idb-keyval';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../../src/tracker';
import type { Tracker } from '../../../src/types';
import { freshDb, ongoingSession } from '../support/fakeCollector';
import { openStore } from '../../../src/queue/idbStore';

type Tab = 0 | 1;
type Answer = 'up' | 'down' | 408 | 429 | 500 | 503;
type Op =
  | { kind: 'track'; tab: Tab; n: number }
  | { kind: 'flush'; tab: Tab }
  | { kind: 'flushBoth' }
  | { kind: 'collector'; answer: Answer }
  | { kind: 'reload'; tab: Tab };

const tab = fc.constantFrom<Tab>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('track' as const), tab, n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const), tab }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flushBoth' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('collector' as const),
      answer: fc.constantFrom<Answer>('up', 'down', 408, 429, 500, 503),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), tab }) },
);

/**
 * One collector for both tabs: answers 2xx while up, a network error while down, else the status
 * set. A response comes a macrotask later, so requests of the two tabs overlap.
 */
function collector() {
  const c = {
    answer: 'up' as Answer,
    inflight: 0,
    /** messageIds answered 2xx, once per acknowledgement. */
    acked: [] as string[],
  };
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    c.inflight++;
    try {
      await new Promise((r) => setTimeout(r, 0));
      const gz = (init.headers as Record<string, string>)['Content-Encoding'] === 'gzip';
      const body = JSON.parse(
        gz ? gunzipSync(Buffer.from(init.body as ArrayBuffer)).toString('utf8') : String(init.body),
      );
      if (c.answer === 'down') throw new TypeError('Failed to fetch');
      const status = c.answer === 'up' ? 200 : c.answer;
      if (status === 200) c.acked.push(...body.batch.map((m: { messageId: string }) => m.messageId));
      return { status, headers: { get: () => null } };
    } finally {
      c.inflight--;
    }
  });
  return c;
}

const RealBroadcastChannel = globalThis.BroadcastChannel;
beforeAll(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('delivery across tabs, outages and reloads', () => {
  it('never acknowledges a messageId twice and, once the collector is back, acknowledges every one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (ops, batchSize, compress, channel) => {
          const col = collector();
          // Without BroadcastChannel tabs do not hear each other's claims: only IndexedDB keeps them apart.
          vi.stubGlobal('BroadcastChannel', channel ? RealBroadcastChannel : undefined);
          const dbName = freshDb();
          ongoingSession();
          const tracked: string[] = [];
          const open = () =>
            createTracker({
              endpoint: 'https://c.test/b',
              dbName,
              batchSize,
              compress,
              flushInterval: 3_600_000,
              // Every message that reaches the queue, by the id it is sent with.
              beforeSend: (message) => {
                tracked.push(message.messageId);
                return message;
              },
            });
          const tabs: Tracker[] = [open(), open()];
          const stopped: Tracker[] = [];
          let serial = 0;
          try {
            for (const o of ops) {
              if (o.kind === 'track') for (let i = 0; i < o.n; i++) tabs[o.tab].track('e' + serial++);
              else if (o.kind === 'flush') await tabs[o.tab].flush();
              else if (o.kind === 'flushBoth') await Promise.all(tabs.map((t) => t.flush()));
              else if (o.kind === 'collector') col.answer = o.answer;
              else {
                // A reload between requests (one cut off mid-flight may legitimately be sent again): the page goes, a new one opens the same queue.
                await vi.waitFor(() => expect(col.inflight).toBe(0), { timeout: 2000, interval: 1 });
                tabs[o.tab].stop();
                stopped.push(tabs[o.tab]);
                tabs[o.tab] = open();
              }
            }
            expect(tracked).toHaveLength(serial);

            // Recovery: the collector is up; flush every live tab until the shared queue is empty.
            col.answer = 'up';
            await vi.waitFor(
              async () => {
                await Promise.all(tabs.map((t) => t.flush()));
                expect(col.inflight).toBe(0);
                expect(await keys(openStore(dbName))).toEqual([]);
              },
              { timeout: 5000, interval: 5 },
            );

            expect(new Set(col.acked).size, 'a messageId was acknowledged twice').toBe(col.acked.length);
            expect(col.acked.slice().sort()).toEqual(tracked.slice().sort());
          } finally {
            [...tabs, ...stopped].forEach((t) => t.stop());
          }
        },
      ),
      { numRuns: 50 },
    );
  }, 60_000);
});
