import type { Settings } from '../config';
import type { EngagekitError } from '../types';
import { keys, load, save } from '../lib/storage';
import { warn } from '../lib/warn';
import { selectBatch, type EventStore, type Rec, type TakeLimits, type Taken } from './eventStore';
import { idbStore } from './idbStore';

/** How long a sender's claim on an event lasts: longer than a request may take (see REQUEST_TIMEOUT). */
export const CLAIM_TTL = 30_000;

/** The queue one tracker sends from. */
export interface EventQueue {
  /** Queue a record now; records added in the same tick are written in one transaction. */
  _add(rec: Rec): void;
  /** Claim the oldest unclaimed records, from every tab of the site: none when fewer than `min` are ready. */
  _take(count: number, bytes: number, min?: number): Promise<Rec[]>;
  /** Sent (2xx) or refused for good: delete. */
  _done(recs: Rec[]): Promise<unknown>;
  /** Failed but worth retrying: unclaim. */
  _retry(recs: Rec[]): Promise<unknown>;
  /** This tab's records that no sender holds, oldest first, known without waiting for storage (the page-hide path). */
  _unsent(): Rec[];
  /** Mark records this tab is sending outside `_take` (the page-hide path). */
  _hold(recs: Rec[]): void;
  /** Another tab said it is sending these: leave them to it for a while. */
  _skip(ids: string[]): void;
  /** Records captured by this tab and not yet sent. */
  _size(): number;
  /** Delete everything queued (opt-out). */
  _clear(): Promise<unknown>;
  /**
   * The page is being left: keep every record this tab is sending away from other senders until
   * `until` (0: not at all), and copy what is not acknowledged to localStorage, synchronously.
   */
  _leaving(until: number): void;
  /** The page came back from the back/forward cache: it sends its events itself again. */
  _stay(): void;
  /** Events dropped by the caps and not yet reported to the collector. */
  _dropped: number;
  /** When the earliest claim of another sender, seen by the last `_take`, runs out (0: none). */
  _wake: number;
}

/**
 * The event queue: IndexedDB first, memory when IndexedDB is missing or fails (then for the rest of
 * this page; the next page load tries IndexedDB again). It always keeps, in memory, this tab's
 * records that are not yet sent (`mine`) and those being sent (`held`): a page being left cannot
 * wait for a storage read, and when IndexedDB is gone those two maps simply are the queue.
 */
export function eventQueue(s: Settings, tab: string, report: (e: EngagekitError) => void): EventQueue {
  let idb: EventStore | undefined = typeof indexedDB == 'object' && indexedDB ? idbStore(s.dbName) : undefined;
  const mine = new Map<string, Rec>();
  const held = new Map<string, Rec>();
  const skipped = new Map<string, number>();
  let pending: Rec[] = [];
  let writing: Promise<unknown> = Promise.resolve();
  if (!idb) warn('IndexedDB is missing: events are kept in memory for this page');

  // Every store call goes through here. The first failure of IndexedDB switches this page to
  // memory; what the call was for then happens (or has already happened) in `mine` and `held`,
  // so nothing captured is lost and the page never sees the error.
  const use = <T>(f: (st: EventStore) => Promise<T>, otherwise: () => T): Promise<T> =>
    idb
      ? f(idb).catch((e) => {
          if (idb) {
            idb = undefined;
            warn('IndexedDB failed (' + e + '): events are kept in memory for this page');
            report({ type: 'storage', message: String(e) });
          }
          return otherwise();
        })
      : Promise.resolve(otherwise());

  const dropped = (n: number) => {
    if (n > 0) {
      q._dropped += n;
      report({ type: 'dropped', count: n, message: n + ' queued events dropped (queue full or too old)' });
    }
  };

  const limits = (count: number, bytes: number, min?: number): TakeLimits => {
    const now = Date.now();
    return {
      count,
      bytes,
      min,
      now,
      maxAge: s.maxAge,
      ttl: CLAIM_TTL,
      skip: (id) => held.has(id) || skipped.get(id)! > now,
    };
  };

  // What pages of the site copied to localStorage as they were left goes (back) into the queue;
  // the copy is deleted once stored. Same messageIds: a record IndexedDB already has is just rewritten.
  for (const key of keys('spill.')) {
    let recs: Rec[] = [];
    try {
      recs = JSON.parse(load(key)!);
    } catch {
      // unreadable: nothing to restore
    }
    writing = writing
      .then(() =>
        use(
          (st) => st._put(recs, s.maxQueueSize),
          () => (recs.forEach((r) => mine.set(r.id, { ...r, c: 0 })), 0),
        ),
      )
      .then(() => save(key, undefined));
  }

  const q: EventQueue = {
    _dropped: 0,
    _wake: 0,
    _add(rec) {
      mine.set(rec.id, rec);
      let over = mine.size - s.maxQueueSize;
      // Bound the in-memory copy like the store (which drops the same oldest records; counted once, there).
      // Stop as soon as it is not over: walking the whole map on every add made 1,000 tracks quadratic.
      for (const id of mine.keys()) {
        if (over-- < 1) break;
        (mine.delete(id), idb || dropped(1));
      }
      if (pending.push(rec) > 1) return;
      // One transaction for everything added in this tick; `writing` exists from now on, so a
      // take started in the same tick waits for it.
      writing = Promise.resolve().then(() => {
        const recs = pending;
        pending = [];
        return use(
          (st) => st._put(recs, s.maxQueueSize),
          () => 0,
        ).then(dropped);
      });
    },
    async _take(count, bytes, min) {
      await writing;
      const l = limits(count, bytes, min);
      const [all, expired, wake] = await use(
        (st) => st._take(l),
        () => selectBatch([...mine.values()], l),
      );
      q._wake = wake;
      for (const r of expired) mine.delete(r.id);
      dropped(expired.length);
      // The page-hide path may have sent some of these while the claim was being written.
      const recs = all.filter((r) => !held.has(r.id));
      for (const r of recs) (mine.delete(r.id), held.set(r.id, r));
      return recs;
    },
    _done(recs) {
      for (const r of recs) (held.delete(r.id), mine.delete(r.id));
      return use(
        (st) => st._remove(recs.map((r) => r.id)),
        () => undefined,
      );
    },
    _retry(recs) {
      for (const r of recs) (held.delete(r.id), r.o == tab && mine.set(r.id, r));
      return use(
        (st) => st._release(recs.map((r) => r.id)),
        () => undefined,
      );
    },
    _unsent: () => [...mine.values()],
    _hold(recs) {
      for (const r of recs) (mine.delete(r.id), held.set(r.id, r));
    },
    _skip(ids) {
      const now = Date.now();
      // Forget claims that ran out, so a long-lived tab does not collect them.
      for (const [id, until] of skipped) if (until < now) skipped.delete(id);
      for (const id of ids) (skipped.set(id, now + CLAIM_TTL), mine.delete(id));
    },
    _size: () => mine.size,
    _leaving(until) {
      const handed = [...held.values()].map((r) => ({ ...r, c: until }));
      // After this tab's pending write, or that write would undo the mark.
      if (until)
        writing = writing.then(() =>
          use(
            (st) => st._mark(handed, until),
            () => undefined,
          ),
        );
      // The IndexedDB write of the last events may still be running when the page is destroyed,
      // which aborts it: a synchronous copy makes sure the next page of the site has them.
      save('spill.' + tab, JSON.stringify([...handed, ...mine.values()]));
    },
    _stay: () => save('spill.' + tab, undefined),
    async _clear() {
      mine.clear();
      await writing;
      // At the end of time every record has expired, so one take deletes them all, those another
      // sender holds too (in flight, or handed to the browser): a failed send must not bring them back.
      return use(
        (st) => st._take({ ...limits(0, 0), now: Infinity }),
        (): Taken => [[], [], 0],
      );
    },
  };
  return q;
}
