import { describe, expect, it } from 'vitest';
import { selectBatch, type Rec, type TakeLimits } from '../../../src/queue/eventStore';

const rec = (id: string, t: number, n = 10, extra: Partial<Rec> = {}): Rec => ({
  id,
  j: '{}',
  n,
  t,
  q: 0,
  o: 'tab',
  ...extra,
});
const limits = (l: Partial<TakeLimits> = {}): TakeLimits => ({
  count: 10,
  bytes: 1000,
  now: 1000,
  maxAge: 500,
  ttl: 30,
  skip: () => false,
  ...l,
});

describe('selectBatch', () => {
  it('takes the oldest first, in capture order within a millisecond', () => {
    const [batch] = selectBatch([rec('c', 900), rec('a', 800, 10, { q: 1 }), rec('b', 800, 10, { q: 0 })], limits());
    expect(batch.map((r) => r.id)).toEqual(['b', 'a', 'c']);
  });

  it('stops at the count and the byte limit, but always takes a first record', () => {
    const all = [rec('a', 900, 400), rec('b', 901, 400), rec('c', 902, 400)];
    expect(selectBatch(all, limits({ count: 2 }))[0].map((r) => r.id)).toEqual(['a', 'b']);
    expect(selectBatch(all, limits({ bytes: 802 }))[0].map((r) => r.id)).toEqual(['a', 'b']);
    expect(selectBatch(all, limits({ bytes: 801 }))[0].map((r) => r.id)).toEqual(['a']);
    expect(selectBatch([rec('huge', 900, 5000)], limits({ bytes: 100 }))[0].map((r) => r.id)).toEqual(['huge']);
  });

  it('stops at the first record that does not fit: a smaller later one waits, so batches keep capture order', () => {
    const all = [rec('a', 900, 400), rec('big', 901, 500), rec('small', 902, 10)];
    const [batch, ,] = selectBatch(all, limits({ bytes: 500 }));
    expect(batch.map((r) => r.id)).toEqual(['a']);
  });

  it('separates expired records and skips claimed and skipped ones, telling when the first claim runs out', () => {
    const [batch, expired, wake] = selectBatch(
      [
        rec('old', 400),
        rec('claimed', 900, 10, { c: 1200 }),
        rec('claimed2', 901, 10, { c: 1100 }),
        rec('lapsed', 902, 10, { c: 999 }),
        rec('other', 903),
        rec('free', 904),
      ],
      limits({ skip: (id) => id === 'other' }),
    );
    expect(expired.map((r) => r.id)).toEqual(['old']);
    expect(batch.map((r) => r.id)).toEqual(['lapsed', 'free']);
    expect(wake).toBe(1100);
  });

  it('says 0 when no other sender holds a claim, and expires records by age even when claimed', () => {
    const [batch, expired, wake] = selectBatch([rec('a', 900), rec('gone', 100, 10, { c: 5000 })], limits());
    expect(batch.map((r) => r.id)).toEqual(['a']);
    expect(expired.map((r) => r.id)).toEqual(['gone']);
    expect(wake).toBe(0);
  });

  it('takes nothing at a count of 0, and a skipped record costs no room in the batch', () => {
    expect(selectBatch([rec('a', 900)], limits({ count: 0 }))[0]).toEqual([]);
    const [batch] = selectBatch(
      [rec('skip', 900, 500), rec('b', 901, 500)],
      limits({ bytes: 501, skip: (id) => id === 'skip' }),
    );
    expect(batch.map((r) => r.id)).toEqual(['b']);
  });

  it('with a minimum, takes nothing short of it, unless the limits cut the batch first', () => {
    const all = [rec('a', 900, 400), rec('b', 901, 400), rec('c', 902, 400)];
    expect(selectBatch(all, limits({ min: 4, bytes: 10_000 }))[0]).toEqual([]);
    expect(selectBatch(all, limits({ min: 3, bytes: 10_000 }))[0].map((r) => r.id)).toEqual(['a', 'b', 'c']);
    // Two fit the bytes and a third is waiting: a full batch, however short of the minimum.
    expect(selectBatch(all, limits({ min: 5, bytes: 802 }))[0].map((r) => r.id)).toEqual(['a', 'b']);
    // A record another tab is sending does not make the batch full.
    expect(selectBatch(all, limits({ min: 3, bytes: 10_000, skip: (id) => id === 'c' }))[0]).toEqual([]);
    expect(selectBatch(all, limits({ min: 3, count: 2 }))[0].map((r) => r.id)).toEqual(['a', 'b']);
    // Expired records are still reported when nothing is taken.
    expect(selectBatch([rec('old', 100), rec('a', 900)], limits({ min: 2 }))[1].map((r) => r.id)).toEqual(['old']);
  });
});
