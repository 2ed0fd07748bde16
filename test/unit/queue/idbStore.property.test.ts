/**
 * Property: whatever the interleaving of puts, takes, acknowledgements (`_remove`), page leaves
 * (`_mark` of a snapshot taken earlier, as `_leaving` queues it behind a pending write) and
 * releases, on two connections to one IndexedDB queue, a record once removed is never stored again.
 */
import fc from 'fast-check';
import { createStore, keys } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import type { Rec, TakeLimits } from '../../../src/queue/eventStore';
import { idbStore } from '../../../src/queue/idbStore';
import { freshDb } from '../support/fakeCollector';

type Conn = 0 | 1;
type Op =
  | { kind: 'put'; conn: Conn; n: number }
  | { kind: 'take'; conn: Conn; count: number }
  | { kind: 'ack'; conn: Conn; pick: number }
  | { kind: 'leave'; conn: Conn }
  | { kind: 'release'; conn: Conn; pick: number }
  | { kind: 'settle' };

const conn = fc.constantFrom<Conn>(0, 1);
const pick = fc.integer({ min: 0, max: 1000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), conn, n: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('take' as const), conn, count: fc.integer({ min: 1, max: 5 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ack' as const), conn, pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('leave' as const), conn }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), conn, pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

describe('idbStore under acknowledgements racing page leaves', () => {
  it('never stores a removed record again', async () => {
    await fc.assert(
      // Each operation with whether to wait for it before starting the next (else they overlap).
      fc.asyncProperty(fc.array(fc.tuple(op, fc.boolean()), { minLength: 1, maxLength: 40 }), async (ops) => {
        const dbName = freshDb();
        const stores = [idbStore(dbName), idbStore(dbName)];
        // Create the database (version 2) before idb-keyval's reader opens it at whatever version it has.
        await stores[0]._remove([]);
        const now = Date.now();
        const limits = (count: number): TakeLimits => ({
          count,
          bytes: 1e6,
          now,
          maxAge: 1e9,
          ttl: 30_000,
          skip: () => false,
        });
        let serial = 0;
        // Records some take returned (a sender holds them, or did), the snapshot a leave marks.
        const taken: Rec[] = [];
        // Ids whose removal has committed.
        const removed = new Set<string>();
        // Operations started and not yet awaited: they run interleaved, in IndexedDB's order.
        let pending: Promise<unknown>[] = [];
        // A slice of the taken records, chosen by `at`.
        const some = (at: number) => taken.slice(at % (taken.length || 1), (at % (taken.length || 1)) + 1 + (at % 3));
        const check = async () => {
          await Promise.all(pending);
          pending = [];
          const stored = (await keys(createStore(dbName, 'events'))) as string[];
          expect(stored.filter((id) => removed.has(id))).toEqual([]);
        };
        for (const [o, wait] of ops) {
          if (o.kind === 'settle') await check();
          else if (o.kind === 'put') {
            const records = Array.from({ length: o.n }, (): Rec => {
              const id = 'r' + serial++;
              return { id, j: `{"messageId":"${id}"}`, n: 20, t: now - 1000 + serial, q: serial, o: 'tab' };
            });
            pending.push(stores[o.conn]._put(records, 1000));
          } else if (o.kind === 'take')
            pending.push(stores[o.conn]._take(limits(o.count)).then(([batch]) => taken.push(...batch)));
          // As `_leaving` does: every record held, snapshotted now, whatever is acknowledged after.
          else if (o.kind === 'leave') pending.push(stores[o.conn]._mark(taken.slice(), now + 600_000));
          else {
            const ids = some(o.pick).map((record) => record.id);
            if (o.kind === 'ack')
              pending.push(stores[o.conn]._remove(ids).then(() => ids.forEach((id) => removed.add(id))));
            else pending.push(stores[o.conn]._release(ids));
          }
          if (wait) await pending.at(-1);
        }
        await check();
      }),
      {
        numRuns: 100,
        // The race of issue 13, always tried: an acknowledgement, then the mark of a snapshot from before it.
        examples: [
          [
            [
              [{ kind: 'put', conn: 0, n: 1 }, true],
              [{ kind: 'take', conn: 0, count: 1 }, true],
              [{ kind: 'ack', conn: 0, pick: 0 }, false],
              [{ kind: 'leave', conn: 1 }, false],
            ],
          ],
        ],
      },
    );
  }, 60_000);
});
