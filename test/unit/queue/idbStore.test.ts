import { createStore, keys, promisifyRequest, setMany } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDB_TIMEOUT, idbStore } from '../../../src/queue/idbStore';
import { freshDb } from '../support/fakeCollector';
import { describeEventStore, ids, limits, rec } from './storeContract';

afterEach(() => vi.restoreAllMocks());

describeEventStore('idbStore', () => idbStore(freshDb()));

describe('idbStore', () => {
  it('never lets two senders claim the same record (two connections to one database)', async () => {
    const db = freshDb();
    const a = idbStore(db);
    const b = idbStore(db);
    const t = Date.now();
    await a._put(
      Array.from({ length: 40 }, (_, i) => rec('r' + i, t + i)),
      100,
    );
    const takes = await Promise.all([
      a._take(limits({ count: 7 })),
      b._take(limits({ count: 7 })),
      a._take(limits({ count: 7 })),
      b._take(limits({ count: 7 })),
    ]);
    const all = takes.flatMap(([batch]) => ids(batch));
    expect(all).toHaveLength(28);
    expect(new Set(all).size).toBe(28);
  });

  it('reopens a connection that was closed under it, once', async () => {
    const st = idbStore(freshDb());
    await st._put([rec('a', Date.now())], 10);
    const real = IDBDatabase.prototype.transaction;
    let fail = 1;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      if (fail-- > 0) throw new DOMException('The database connection is closing.', 'InvalidStateError');
      return real.apply(this, args);
    });
    expect(ids((await st._take(limits()))[0])).toEqual(['a']);
    // A second loss is not retried: the queue falls back to memory instead.
    fail = 1;
    await expect(st._remove(['a'])).rejects.toThrow(/closing/);
  });

  it('reopens a connection closed under it (as Safari does to idle ones), but only once', async () => {
    const real = IDBFactory.prototype.open;
    const opened: IDBOpenDBRequest[] = [];
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(function (
      this: IDBFactory,
      ...args: Parameters<IDBFactory['open']>
    ) {
      const req = real.apply(this, args);
      opened.push(req);
      return req;
    });
    const st = idbStore(freshDb());
    const t = Date.now();
    await st._put([rec('a', t)], 10);
    expect(opened).toHaveLength(1);
    opened[0].result.close();
    await st._put([rec('b', t + 1)], 10);
    expect(opened).toHaveLength(2);
    expect(ids((await st._take(limits()))[0])).toEqual(['a', 'b']);
    opened[1].result.close();
    await expect(st._release(['a'])).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(opened).toHaveLength(2);
  });

  it('never writes a record removed before the mark reached it back into the database', async () => {
    const db = freshDb();
    const st = idbStore(db);
    const now = Date.now();
    await st._put([rec('acked', now), rec('kept', now + 1)], 10);
    await st._remove(['acked']);
    // The mark was snapshotted before the acknowledgement and queued behind a pending write.
    await st._mark([rec('acked', now), rec('kept', now + 1)], now + 600_000);
    expect(await keys(createStore(db, 'events'))).toEqual(['kept']);
    const [batch, , wake] = await st._take(limits({ now }));
    expect(batch).toEqual([]);
    expect(wake).toBe(now + 600_000);
    // Nothing to mark: it still settles.
    await st._mark([], now);
  });

  it('leaving for the back/forward cache: open transactions commit at once, new ones wait until the page runs again (issue 12)', async () => {
    const db = freshDb();
    const st = idbStore(db);
    const now = Date.now();
    await st._put([rec('before', now)], 10);
    const commit = vi.spyOn(IDBTransaction.prototype, 'commit');
    // A put in flight as the page is left: committed now, its writes kept.
    const inFlight = st._put([rec('in-flight', now + 1)], 10);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    st._settle(true);
    expect(await inFlight).toBe(0);
    // Started while leaving: not before the page runs again.
    let done = false;
    const parked = st._put([rec('parked', now + 2)], 10).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    expect((await keys(createStore(db, 'events'))).sort()).toEqual(['before', 'in-flight']);
    st._settle(false);
    await parked;
    expect((await keys(createStore(db, 'events'))).sort()).toEqual(['before', 'in-flight', 'parked']);
    expect(commit).toHaveBeenCalled();
  });

  it('a transaction committed early skips the steps its callbacks would add, without aborting or throwing', async () => {
    const db = freshDb();
    const st = idbStore(db);
    const now = Date.now();
    await st._put([rec('a', now), rec('b', now + 1)], 10);
    // Over the cap: the count's callback would delete the oldest, but the transaction was committed.
    const commit = vi.spyOn(IDBTransaction.prototype, 'commit');
    const put = st._put([rec('c', now + 2)], 1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    st._settle(false);
    expect(commit).toHaveBeenCalled();
    expect(await put).toBe(2);
    // The put itself committed; the cap is applied by the next put.
    expect((await keys(createStore(db, 'events'))).sort()).toEqual(['a', 'b', 'c']);
    await st._put([], 1);
    expect(await keys(createStore(db, 'events'))).toEqual(['c']);
  });

  it('closes its connection for a later version upgrade, so a newer engagekit is not kept waiting', async () => {
    const name = freshDb();
    const store = idbStore(name);
    await store._put([rec('kept', Date.now())], 10);
    const newer = indexedDB.open(name, 3);
    let blocked = false;
    newer.onblocked = () => (blocked = true);
    const database = await promisifyRequest(newer);
    expect(blocked).toBe(false);
    expect(database.version).toBe(3);
    database.close();
  });

  it('keeps every record of a queue stored by 0.1.0 (version 1, no index) and takes them in order', async () => {
    const db = freshDb();
    const t = Date.now();
    // As 0.1.0 stored them (idb-keyval's createStore: version 1, the store alone, keyed by id), and
    // that page gone: a 0.1.0 connection still open blocks the upgrade (it never closes on versionchange).
    const old = Array.from({ length: 30 }, (_, i) => ({ ...rec('old' + i, t + (i % 3)), q: i }));
    const request = indexedDB.open(db, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('events');
    const v1 = await promisifyRequest(request);
    const write = v1.transaction('events', 'readwrite');
    for (const r of old) write.objectStore('events').put(r, r.id);
    await promisifyRequest(write);
    v1.close();
    const st = idbStore(db);
    const taken: string[] = [];
    for (let round = 0; round < 4; round++) taken.push(...ids((await st._take(limits({ count: 8 })))[0]));
    const byAge = [...old].sort((a, b) => a.t - b.t || a.q - b.q);
    expect(taken).toEqual(ids(byAge));
    expect((await keys(createStore(db, 'events'))).length).toBe(30);
    // And 0.1.0's own open (no version) still opens the upgraded database.
    await setMany([['late', rec('late', t + 5)]], createStore(db, 'events'));
    await st._release(['old0']);
    expect(ids((await st._take(limits()))[0])).toEqual(['old0', 'late']);
  });

  it('reads only as far as the batch needs, not the whole queue', async () => {
    const st = idbStore(freshDb());
    const t = Date.now();
    await st._put(
      Array.from({ length: 500 }, (_, i) => rec('r' + i, t - 1000 + i)),
      1000,
    );
    const advance = vi.spyOn(IDBCursor.prototype, 'continue');
    const [batch] = await st._take(limits({ count: 5 }));
    expect(ids(batch)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    // Five taken, the sixth seen to be beyond the batch.
    expect(advance.mock.calls.length).toBe(5);
    // Claimed records ahead are visited, not taken; the cap deletes from the front of the age index.
    expect(ids((await st._take(limits({ count: 2 })))[0])).toEqual(['r5', 'r6']);
    expect(await st._put([rec('new', t)], 498)).toBe(3);
    await st._release(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(ids((await st._take(limits({ count: 2 })))[0])).toEqual(['r3', 'r4']);
  });

  it('fails an operation that IndexedDB never answers (Safari open hang)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest);
    const p = idbStore(freshDb())._put([rec('a', 1)], 10);
    const seen = expect(p).rejects.toThrow(/did not answer/);
    await vi.advanceTimersByTimeAsync(IDB_TIMEOUT + 1);
    await seen;
    vi.useRealTimers();
  });
});

describe('idbStore timers', () => {
  it('leaves no timeout timer behind once an operation has settled', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const st = idbStore(freshDb());
    const p = st._put([rec('a', Date.now())], 10);
    await vi.waitFor(() => p, { timeout: 2000 });
    await p;
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  });
});
