/**
 * What every EventStore must do, run against each (idbStore.test.ts, memoryStore.test.ts): the
 * queue has one code path over both, so they answer alike.
 */
import { describe, expect, it } from 'vitest';
import type { EventStore, Rec, TakeLimits } from '../../../src/queue/eventStore';

export const rec = (id: string, t: number, c?: number): Rec => ({
  id,
  j: `{"id":"${id}"}`,
  n: 12,
  t,
  q: 0,
  o: 'tab',
  c,
});
export const limits = (l: Partial<TakeLimits> = {}): TakeLimits => ({
  count: 100,
  bytes: 1e6,
  now: Date.now(),
  maxAge: 1e9,
  ttl: 30_000,
  skip: () => false,
  ...l,
});
export const ids = (rs: Rec[]) => rs.map((r) => r.id);

/** The EventStore contract, for stores made by `make` (each call a new, empty store). */
export function describeEventStore(name: string, make: () => EventStore): void {
  describe(name + ' (the EventStore contract)', () => {
    it('puts, claims, releases and removes records', async () => {
      const st = make();
      const now = Date.now();
      expect(await st._put([rec('a', now), rec('b', now + 1), rec('c', now + 2)], 10)).toBe(0);
      const [first] = await st._take(limits({ count: 2 }));
      expect(ids(first)).toEqual(['a', 'b']);
      // Claimed records are not taken again until released.
      const [second, , wake] = await st._take(limits());
      expect(ids(second)).toEqual(['c']);
      expect(wake).toBeGreaterThan(Date.now());
      await st._release(['a']);
      await st._remove(['b', 'c']);
      const [third] = await st._take(limits());
      expect(ids(third)).toEqual(['a']);
    });

    it('drops the oldest beyond the cap and says how many', async () => {
      const st = make();
      const t = Date.now();
      await st._put([rec('1', t), rec('2', t + 1), rec('3', t + 2)], 3);
      expect(await st._put([rec('4', t + 3), rec('5', t + 4)], 3)).toBe(2);
      expect(ids((await st._take(limits()))[0])).toEqual(['3', '4', '5']);
    });

    it('deletes expired records and returns them', async () => {
      const st = make();
      const now = Date.now();
      await st._put([rec('old', now - 10_000), rec('new', now)], 10);
      const [batch, expired] = await st._take(limits({ maxAge: 5000, now }));
      expect(ids(batch)).toEqual(['new']);
      expect(ids(expired)).toEqual(['old']);
      await st._release(['new']);
      expect(ids((await st._take(limits({ maxAge: 1e12 })))[0])).toEqual(['new']);
    });

    it('rewrites a record put again under the same id, without counting it twice against the cap', async () => {
      const st = make();
      const t = Date.now();
      await st._put([rec('a', t), rec('b', t + 1)], 2);
      expect(await st._put([rec('a', t), rec('b', t + 1)], 2)).toBe(0);
      expect(ids((await st._take(limits()))[0])).toEqual(['a', 'b']);
    });

    it('marks records claimed until a given time, and ignores releasing what is gone', async () => {
      const st = make();
      const now = Date.now();
      await st._put([rec('a', now), rec('b', now + 1)], 10);
      await st._mark([rec('a', now)], now + 60_000);
      const [batch, , wake] = await st._take(limits({ now }));
      expect(ids(batch)).toEqual(['b']);
      expect(wake).toBe(now + 60_000);
      await st._remove(['b']);
      await st._release(['b', 'never-there']);
      expect(ids((await st._take(limits({ now: now + 60_001 })))[0])).toEqual(['a']);
    });

    it('keeps the claims of records put with one (a spill restored: hand-off claims) until they run out or are released', async () => {
      const st = make();
      const now = Date.now();
      await st._put([rec('handed', now, now + 600_000), rec('free', now + 1, 0), rec('ran-out', now + 2, now - 1)], 10);
      const [batch, , wake] = await st._take(limits({ now, count: 10 }));
      expect(ids(batch)).toEqual(['free', 'ran-out']);
      expect(wake).toBe(now + 600_000);
      await st._release(['handed']);
      expect(ids((await st._take(limits({ now })))[0])).toEqual(['handed']);
    });

    it('never writes back a record removed before the mark reached it (an acknowledgement during page leave)', async () => {
      const st = make();
      const now = Date.now();
      await st._put([rec('acked', now), rec('kept', now + 1)], 10);
      await st._remove(['acked']);
      // The mark was snapshotted before the acknowledgement and queued behind a pending write.
      await st._mark([rec('acked', now), rec('kept', now + 1)], now + 600_000);
      const [batch, , wake] = await st._take(limits({ now }));
      expect(batch).toEqual([]);
      expect(wake).toBe(now + 600_000);
      expect(ids((await st._take(limits({ now: now + 600_001 })))[0])).toEqual(['kept']);
      // Nothing to mark: it still settles.
      await st._mark([], now);
    });

    it('keeps capture order across a batch cut short by the byte limit, and deletes everything at the end of time', async () => {
      const st = make();
      const t = Date.now();
      await st._put([rec('b', t + 1), rec('a', t), rec('c', t + 2)], 10);
      expect(ids((await st._take(limits({ bytes: 26 })))[0])).toEqual(['a', 'b']);
      const [, gone] = await st._take(limits({ now: Infinity }));
      expect(ids(gone).sort()).toEqual(['a', 'b', 'c']);
      expect(ids((await st._take(limits()))[0])).toEqual([]);
    });
  });
}
