/**
 * The queue a tracker sends from: IndexedDB first, a memory store when IndexedDB is missing or
 * fails, without losing what was captured or the claims it holds.
 */
import { values } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { parseConfig } from '../../../src/config';
import { CLAIM_TTL, WRITE_CHUNK, eventQueue, type EventQueue } from '../../../src/queue/eventQueue';
import type { Rec } from '../../../src/queue/eventStore';
import { IDB_TIMEOUT, openStore } from '../../../src/queue/idbStore';
import type { Config, EngagekitError } from '../../../src/types';
import { hostileJson } from '../../browser/support/hostileJson';
import { freshDb } from '../support/fakeCollector';

const TAB = 'tab-1';
let seq = 0;
const rec = (id: string, t = Date.now(), o = TAB): Rec => ({
  id,
  j: `{"messageId":"${id}"}`,
  n: 20 + id.length,
  t,
  q: seq++,
  o,
});
const ids = (rs: Rec[]) => rs.map((r) => r.id);
// What `_add` takes for a record: the record without its JSON, and what serialises it.
const queued = ({ j, n, ...fields }: Rec): Parameters<EventQueue['_add']> => [fields, () => [j, n]];
const stored = async (dbName: string) => ids(await values<Rec>(openStore(dbName))).sort();

let errors: EngagekitError[];
let warn: MockInstance<typeof console.warn>;
const warned = () => warn.mock.calls.map((c) => String(c[0]));
const make = (c: Config = {}, dbName = freshDb()) =>
  eventQueue(parseConfig({ endpoint: 'https://c.test/b', dbName, ...c }), TAB, (e) => errors.push(e));

beforeEach(() => {
  errors = [];
  localStorage.clear();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('eventQueue on IndexedDB', () => {
  it('writes what is added in one tick in one transaction, claims it oldest first, and deletes it when done', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    const t = Date.now();
    // Warm up the connection so only the queue's own transactions are counted.
    await q._take(10, 1e6);
    const tx = vi.spyOn(IDBDatabase.prototype, 'transaction');
    q._add(...queued(rec('b', t + 1)));
    q._add(...queued(rec('a', t)));
    q._add(...queued(rec('c', t + 2)));
    expect(q._size()).toBe(3);
    const taken = await q._take(2, 1e6);
    expect(ids(taken)).toEqual(['a', 'b']);
    // One write for the three adds, one for the take.
    expect(tx.mock.calls.map((c) => c[1])).toEqual(['readwrite', 'readwrite']);
    expect(q._size()).toBe(1);
    expect(ids(q._unsent())).toEqual(['c']);
    // Taken records stay stored until acknowledged, and are not taken twice.
    expect(await stored(dbName)).toEqual(['a', 'b', 'c']);
    expect(ids(await q._take(10, 1e6))).toEqual(['c']);
    await q._done(taken);
    expect(await stored(dbName)).toEqual(['c']);
    expect(errors).toEqual([]);
  });

  it('writes a burst in transactions of WRITE_CHUNK records, and a take waits for all of them', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    await q._take(10, 1e6);
    const puts: number[] = [];
    const put = IDBObjectStore.prototype.put;
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      puts.push(transaction.mock.calls.length);
      return put.apply(this, args);
    });
    const t = Date.now();
    for (let i = 0; i < 2 * WRITE_CHUNK + 20; i++) q._add(...queued(rec('r' + String(i).padStart(3, '0'), t + i)));
    const taken = await q._take(1000, 1e6);
    expect(taken).toHaveLength(2 * WRITE_CHUNK + 20);
    // Three write transactions (50, 50, 20 records), then the take's.
    const perTransaction = puts.reduce<Record<number, number>>(
      (count, tx) => ({ ...count, [tx]: (count[tx] || 0) + 1 }),
      {},
    );
    expect(Object.values(perTransaction)).toEqual([WRITE_CHUNK, WRITE_CHUNK, 20, 2 * WRITE_CHUNK + 20]);
  });

  it('releases a failed batch: it is taken again, and this tab counts its own records as unsent again', async () => {
    const q = make();
    const t = Date.now();
    q._add(...queued(rec('mine', t)));
    q._add(...queued(rec('theirs', t + 1, 'tab-2')));
    const taken = await q._take(10, 1e6);
    expect(ids(taken)).toEqual(['mine', 'theirs']);
    expect(q._size()).toBe(0);
    await q._retry(taken);
    expect(ids(q._unsent())).toEqual(['mine']);
    expect(ids(await q._take(10, 1e6))).toEqual(['mine', 'theirs']);
  });

  it('an acknowledgement that arrives while the leave mark waits behind a pending write is not undone', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    const t = Date.now();
    q._add(...queued(rec('sent', t)));
    const taken = await q._take(10, 1e6);
    // The page is left while the last event's write is pending: the mark queues behind it...
    q._add(...queued(rec('last', t + 1)));
    q._leaving(t + 600_000);
    // ...and the 2xx for the batch arrives first.
    await q._done(taken);
    await q._take(10, 1e6);
    expect(await stored(dbName)).toEqual(['last']);
  });

  it('an acknowledgement that arrives while a take is reading the store is not taken again (the back/forward cache race)', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    const t = Date.now();
    q._add(...queued(rec('handed-0', t)));
    q._add(...queued(rec('handed-1', t + 1)));
    await q._take(0, 1e6);
    // The page-hide path handed them to the browser...
    const held = q._unsent();
    q._hold(held);
    // ...and their keepalive answer arrives just after a drain's take has started reading the store
    // (seen in Chromium when a page comes back from the back/forward cache with the answer pending).
    const transaction = IDBDatabase.prototype.transaction;
    let answered: Promise<unknown> | undefined;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      const opened = transaction.apply(this, args);
      answered ||= q._done(held);
      return opened;
    });
    const taken = await q._take(10, 1e6);
    await answered;
    expect(ids(taken)).toEqual([]);
    expect(await stored(dbName)).toEqual([]);
  });

  it('a record acknowledged before its write ran is never written (a write held while the page was in the back/forward cache)', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    q._add(...queued(rec('early')));
    await q._take(0, 0);
    // Going into the back/forward cache: what is recorded now waits to be written...
    q._settle(true);
    q._add(...queued(rec('first')));
    await Promise.resolve();
    q._add(...queued(rec('second')));
    // ...is handed to the browser as the page is left, and acknowledged once it is restored.
    const handed = q._unsent().filter((record) => record.id != 'early');
    q._hold(handed);
    q._settle(false);
    await q._done(handed);
    expect(ids(await q._take(10, 1e6))).toEqual(['early']);
    expect(await stored(dbName)).toEqual(['early']);
  });

  it('back from the back/forward cache: a write the freeze cut short is not an IndexedDB failure, and the unsent records are written again (issue 12)', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    q._add(...queued(rec('early')));
    await q._take(0, 0);
    // The page goes into the back/forward cache: what it records then waits, and is in the copy.
    q._settle(true);
    q._add(...queued(rec('while-leaving')));
    q._leaving(0);
    expect(localStorage.getItem('engagekit:v1:spill.' + TAB)).toContain('while-leaving');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await stored(dbName)).toEqual(['early']);
    // Restored: IndexedDB is used again, with everything unsent.
    q._settle(false);
    q._stay();
    expect(ids(await q._take(10, 1e6))).toEqual(['early', 'while-leaving']);
    expect(await stored(dbName)).toEqual(['early', 'while-leaving']);
    expect(warned().filter((w) => /IndexedDB/.test(w))).toEqual([]);
  });

  it('serialises what it has not yet at once when the page is left: the page-hide path and the spill have it all', async () => {
    const q = make();
    let serialised = 0;
    const t = Date.now();
    for (let i = 0; i < 3; i++) {
      const [fields, json] = queued(rec('late' + i, t + i));
      q._add(fields, () => {
        serialised++;
        return json();
      });
    }
    expect(q._size()).toBe(3);
    expect(serialised).toBe(0);
    expect(ids(q._unsent())).toEqual(['late0', 'late1', 'late2']);
    q._leaving(0);
    const spill = Object.keys(localStorage).find((k) => k.includes('spill.'))!;
    expect(JSON.parse(localStorage.getItem(spill)!).map((r: Rec) => r.j)).toEqual([
      '{"messageId":"late0"}',
      '{"messageId":"late1"}',
      '{"messageId":"late2"}',
    ]);
    expect(serialised).toBe(3);
  });

  it('drops a message its serialiser refuses (over the size limit even bare), and writes the rest', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    const t = Date.now();
    q._add(...queued(rec('kept', t)));
    q._add({ id: 'refused', t: t + 1, q: 0, o: TAB }, () => undefined);
    expect(ids(await q._take(10, 1e6))).toEqual(['kept']);
    expect(await stored(dbName)).toEqual(['kept']);
    expect(q._size()).toBe(0);
  });

  it('leaves records another tab said it is sending alone until that claim runs out', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const dbName = freshDb();
    const q = make({}, dbName);
    q._add(...queued(rec('x')));
    q._add(...queued(rec('y', Date.now() + 1)));
    // Another tab can only have taken what is stored.
    await vi.waitFor(async () => expect(await stored(dbName)).toEqual(['x', 'y']));
    q._skip(['x']);
    expect(ids(q._unsent())).toEqual(['y']);
    const first = await q._take(10, 1e6);
    expect(ids(first)).toEqual(['y']);
    vi.setSystemTime(Date.now() + CLAIM_TTL + 1);
    expect(ids(await q._take(10, 1e6))).toEqual(['x']);
  });

  it('opt-out clears every stored record, also those of other tabs', async () => {
    const dbName = freshDb();
    const q = make({}, dbName);
    q._add(...queued(rec('a')));
    q._add(...queued(rec('b', Date.now(), 'tab-2')));
    await q._take(0, 0);
    expect(await stored(dbName)).toEqual(['a', 'b']);
    await q._clear();
    expect(await stored(dbName)).toEqual([]);
    expect(q._size()).toBe(0);
  });

  it('opt-out also discards records another sender holds (in flight, or handed to the browser by a page that was left)', async () => {
    const dbName = freshDb();
    const other = eventQueue(parseConfig({ endpoint: 'https://c.test/b', dbName }), 'tab-2', () => undefined);
    other._add(...queued(rec('sending', Date.now(), 'tab-2')));
    expect(ids(await other._take(10, 1e6))).toEqual(['sending']);
    const q = make({}, dbName);
    await q._clear();
    expect(await stored(dbName)).toEqual([]);
    // The other tab's send fails: releasing it must not bring it back.
    await other._retry([rec('sending', Date.now(), 'tab-2')]);
    expect(await stored(dbName)).toEqual([]);
  });

  it('opt-out deletes the spills of every page and forgets what this tab is sending: nothing of it is spilled as the page is left', async () => {
    const dbName = freshDb();
    localStorage.setItem('engagekit:v1:spill.old-tab', JSON.stringify([rec('old', Date.now(), 'old-tab')]));
    const q = make({}, dbName);
    q._add(...queued(rec('sending')));
    q._add(...queued(rec('unsent')));
    expect(ids(await q._take(1, 1e6))).toEqual(['old']);
    expect(ids(await q._take(1, 1e6))).toEqual(['sending']);
    await q._clear();
    q._leaving(0);
    expect(
      Object.keys(localStorage)
        .filter((k) => k.includes('spill.'))
        .map((k) => localStorage.getItem(k)),
    ).toEqual(['[]']);
    expect(q._unsent()).toEqual([]);
    expect(await stored(dbName)).toEqual([]);
  });

  it('puts back what pages left in localStorage, then deletes the copy', async () => {
    const dbName = freshDb();
    localStorage.setItem(
      'engagekit:v1:spill.old-tab',
      JSON.stringify([rec('s1', Date.now(), 'old-tab'), rec('s2', Date.now() + 1, 'old-tab')]),
    );
    localStorage.setItem('engagekit:v1:spill.broken', '{not json');
    const q = make({}, dbName);
    expect(ids(await q._take(10, 1e6))).toEqual(['s1', 's2']);
    await vi.waitFor(() => expect(Object.keys(localStorage).filter((k) => k.includes('spill.'))).toEqual([]), {
      timeout: 2000,
    });
    expect(await stored(dbName)).toEqual(['s1', 's2']);
  });
});

describe('eventQueue without IndexedDB', () => {
  it('falls back to memory when IndexedDB throws, reports it once, and loses nothing', async () => {
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => {
      throw new DOMException('The operation failed for reasons unrelated to the database itself.', 'UnknownError');
    });
    const q = make();
    const t = Date.now();
    for (let i = 0; i < 5; i++) q._add(...queued(rec('m' + i, t + i)));
    const first = await q._take(3, 1e6);
    expect(ids(first)).toEqual(['m0', 'm1', 'm2']);
    expect(errors).toEqual([{ type: 'storage', message: expect.stringContaining('UnknownError') }]);
    // A failed send puts the batch back; what was acknowledged is gone for good.
    await q._retry(first.slice(0, 1));
    await q._done(first.slice(1));
    expect(ids(await q._take(10, 1e6))).toEqual(['m0', 'm3', 'm4']);
    expect(ids(await q._take(10, 1e6))).toEqual([]);
    q._add(...queued(rec('later', t + 10)));
    expect(ids(await q._take(10, 1e6))).toEqual(['later']);
    expect(errors).toHaveLength(1);
    expect(warned().filter((w) => /IndexedDB failed/.test(w))).toHaveLength(1);
  });

  it('keeps working in memory when indexedDB is missing altogether', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const q = make();
    q._add(...queued(rec('a')));
    q._add(...queued(rec('b', Date.now() + 1)));
    expect(ids(await q._take(10, 1e6))).toEqual(['a', 'b']);
    expect(warned()).toContain('engagekit: IndexedDB is missing: events are kept in memory for this page');
    expect(errors).toEqual([]);
  });

  it('falls back when IndexedDB fails after records were stored: the tab still has them', async () => {
    const q = make();
    const t = Date.now();
    q._add(...queued(rec('a', t)));
    q._add(...queued(rec('b', t + 1)));
    const inFlight = await q._take(1, 1e6);
    expect(ids(inFlight)).toEqual(['a']);
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    q._add(...queued(rec('c', t + 2)));
    // The in-flight batch fails: it comes back from memory with the rest.
    await q._retry(inFlight);
    expect(ids(await q._take(10, 1e6))).toEqual(['a', 'b', 'c']);
    expect(errors.map((e) => e.type)).toEqual(['storage']);
  });

  it('falls back when IndexedDB never answers (the Safari open hang)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest);
    const q = make();
    q._add(...queued(rec('a')));
    let got: Rec[] | undefined;
    const p = q._take(10, 1e6).then((r) => (got = r));
    await vi.advanceTimersByTimeAsync(IDB_TIMEOUT - 10);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await p;
    expect(ids(got!)).toEqual(['a']);
    expect(errors).toEqual([{ type: 'storage', message: 'Error: IndexedDB did not answer' }]);
  });

  it('an acknowledgement made in memory while a write to a hanging IndexedDB waits for its timeout is final', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest);
    const q = make();
    // A take waits for IndexedDB first (as the dispatcher's first drain does), then three events come.
    const first = q._take(10, 1e6);
    await vi.advanceTimersByTimeAsync(1000);
    const t = Date.now();
    for (let i = 0; i < 3; i++) q._add(...queued(rec('m' + i, t + i)));
    // The take times out first: memory from here, with the three events, which are sent and acknowledged.
    await vi.advanceTimersByTimeAsync(IDB_TIMEOUT - 1000);
    const sent = await first;
    expect(ids(sent)).toEqual(['m0', 'm1', 'm2']);
    await q._done(sent);
    // Then their IndexedDB write times out: it must not put them back.
    await vi.advanceTimersByTimeAsync(1000);
    expect(ids(await q._take(10, 1e6))).toEqual([]);
    expect(errors.map((e) => e.type)).toEqual(['storage']);
  });

  it('caps memory at maxQueueSize, dropping the oldest and counting them', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const q = make({ maxQueueSize: 3 });
    const t = Date.now();
    for (let i = 0; i < 5; i++) q._add(...queued(rec('e' + i, t + i)));
    expect(ids(await q._take(10, 1e6))).toEqual(['e2', 'e3', 'e4']);
    // Counted by the memory store's cap, as idbStore's counts: the records added in one tick at once.
    expect(q._dropped).toBe(2);
    expect(errors).toEqual([{ type: 'dropped', count: 2, message: expect.any(String) }]);
  });

  it('drops records older than maxAge from memory and reports them', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const q = make({ maxAge: 1000 });
    const now = Date.now();
    q._add(...queued(rec('old', now - 5000)));
    q._add(...queued(rec('new', now)));
    expect(ids(await q._take(10, 1e6))).toEqual(['new']);
    expect(q._size()).toBe(0);
    expect(q._dropped).toBe(1);
    expect(errors).toEqual([{ type: 'dropped', count: 1, message: expect.any(String) }]);
  });
});

describe('eventQueue on a memory store: one code path, the same claims (issue 13)', () => {
  const handOff = (id: string, t: number, until: number) => ({ ...rec(id, t, 'old-tab'), c: until });

  it('keeps the hand-off claims of a restored spill until the first answer settles them', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const now = Date.now();
    localStorage.setItem(
      'engagekit:v1:spill.old-tab',
      JSON.stringify([handOff('handed', now, now + 600_000), handOff('unsent', now + 1, 0)]),
    );
    const q = make();
    // The hand-off is claimed; the unsent record counts as this tab's (the page-hide path sends it).
    expect(ids(await q._take(10, 1e6))).toEqual(['unsent']);
    expect(q._wake).toBe(now + 600_000);
    // A success lets the claim stand.
    q._heard(false);
    expect(ids(await q._take(10, 1e6))).toEqual([]);

    localStorage.setItem('engagekit:v1:spill.old-tab', JSON.stringify([handOff('handed', now, now + 600_000)]));
    const failing = make();
    expect(ids(await failing._take(10, 1e6))).toEqual([]);
    expect(failing._unsent()).toEqual([]);
    // A failure releases it: sent from here, and spilled with this tab's unsent records if the page is left.
    failing._heard(true);
    await vi.waitFor(() => expect(ids(failing._unsent())).toEqual(['handed']));
    expect(ids(await failing._take(10, 1e6))).toEqual(['handed']);
  });

  it("retries another tab's spilled records after a failed send instead of dropping them", async () => {
    vi.stubGlobal('indexedDB', undefined);
    const now = Date.now();
    localStorage.setItem('engagekit:v1:spill.old-tab', JSON.stringify([handOff('s1', now, 0)]));
    const q = make();
    const batch = await q._take(10, 1e6);
    expect(ids(batch)).toEqual(['s1']);
    await q._retry(batch);
    expect(ids(await q._take(10, 1e6))).toEqual(['s1']);
  });

  it('keeps the claims it holds when IndexedDB fails: hand-offs and batches in flight are not taken twice', async () => {
    const dbName = freshDb();
    const now = Date.now();
    localStorage.setItem('engagekit:v1:spill.old-tab', JSON.stringify([handOff('handed', now, now + 600_000)]));
    const q = make({}, dbName);
    q._add(...queued(rec('a', now + 1)));
    q._add(...queued(rec('b', now + 2)));
    const inFlight = await q._take(1, 1e6);
    expect(ids(inFlight)).toEqual(['a']);
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    // Memory from here: 'a' is still being sent, 'handed' still claimed by the page that was left.
    expect(ids(await q._take(10, 1e6))).toEqual(['b']);
    expect(errors.map((e) => e.type)).toEqual(['storage']);
    await q._retry(inFlight);
    expect(ids(await q._take(10, 1e6))).toEqual(['a']);
    q._heard(true);
    await vi.waitFor(async () => expect(ids(await q._take(10, 1e6))).toEqual(['handed']));
  });
});

describe('the localStorage spill on a hostile page', () => {
  const spillKeys = () => Object.keys(localStorage).filter((key) => key.startsWith('engagekit:v1:spill.'));
  const makeAs = (tab: string, dbName: string) =>
    eventQueue(parseConfig({ endpoint: 'https://c.test/b', dbName }), tab, (e) => errors.push(e));
  const indexedDbFailed = () => warned().filter((w) => /IndexedDB failed/.test(w));

  for (const arrays of ['json', 'garbage'] as const) {
    it(`survives Prototype.js's Array.prototype.toJSON and a JSON.stringify that returns ${arrays} for arrays`, async () => {
      const undo = hostileJson(arrays);
      try {
        const dbName = freshDb();
        // The page being left has no IndexedDB, so the spill alone carries its events to the next page.
        vi.stubGlobal('indexedDB', undefined);
        const leaving = makeAs('tab-left', dbName);
        const t = Date.now();
        for (let i = 0; i < 3; i++) leaving._add(...queued(rec('p' + i, t + i, 'tab-left')));
        leaving._leaving(0);
        const text = localStorage.getItem('engagekit:v1:spill.tab-left')!;
        expect(JSON.parse(text)).toEqual([0, 1, 2].map((i) => expect.objectContaining({ id: 'p' + i })));
        vi.unstubAllGlobals();
        // The next page of the site, on the same hostile page.
        const next = makeAs('tab-next', dbName);
        expect(ids(await next._take(10, 1e6))).toEqual(['p0', 'p1', 'p2']);
        await vi.waitFor(() => expect(spillKeys()).toEqual([]), { timeout: 2000 });
        expect(await stored(dbName)).toEqual(['p0', 'p1', 'p2']);
        expect(indexedDbFailed()).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        undo();
      }
    });
  }

  it('deletes a spill it cannot read (what 0.1.0 wrote on a Prototype.js page, damaged text, the wrong shape)', async () => {
    const dbName = freshDb();
    const good = rec('kept', Date.now(), 'old-tab');
    // engagekit 0.1.0 under Prototype.js: the array's JSON text, as a JSON string.
    localStorage.setItem('engagekit:v1:spill.prototype', JSON.stringify(JSON.stringify([good])));
    localStorage.setItem('engagekit:v1:spill.damaged', '[{"id":"x","j":"{}",');
    localStorage.setItem('engagekit:v1:spill.shape', JSON.stringify([{ id: 1 }, 'x', null, good]));
    const q = make({}, dbName);
    expect(ids(await q._take(10, 1e6))).toEqual(['kept']);
    await vi.waitFor(() => expect(spillKeys()).toEqual([]), { timeout: 2000 });
    expect(indexedDbFailed()).toEqual([]);
    expect(errors).toEqual([]);
    // The next page finds nothing left to fail on.
    const again = make({}, dbName);
    expect(ids(await again._take(10, 1e6))).toEqual([]);
    expect(indexedDbFailed()).toEqual([]);
  });

  it('deletes a spill IndexedDB refuses, keeping its records in memory for this page without throwing', async () => {
    localStorage.setItem('engagekit:v1:spill.old-tab', JSON.stringify([rec('r1', Date.now(), 'old-tab')]));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('Data provided to an operation does not meet requirements.', 'DataError');
    });
    const q = make();
    expect(ids(await q._take(10, 1e6))).toEqual(['r1']);
    await vi.waitFor(() => expect(spillKeys()).toEqual([]), { timeout: 2000 });
    expect(errors.map((e) => e.type)).toEqual(['storage']);
  });
});
