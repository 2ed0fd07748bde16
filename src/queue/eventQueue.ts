import type { Settings } from '../config';
import type { EngagekitError } from '../types';
import { keys, load, save } from '../lib/storage';
import { warn } from '../lib/warn';
import type { EventStore, TakeLimits } from './eventStore';
import { idbStore } from './idbStore';
import { memoryStore } from './memoryStore';
import { readRecords, writeRecords, type Rec } from './record';

/** At most this many records are written per IndexedDB transaction (see writeAdded). */
export const WRITE_CHUNK = 50;

/** How long a sender's claim on an event lasts: longer than a request may take (see REQUEST_TIMEOUT). */
export const CLAIM_TTL = 30_000;

/** A record before its message is serialised: what `_add` takes. */
export type Captured = Omit<Rec, 'j' | 'n'>;

/** The queue one tracker sends from. */
export interface EventQueue {
  /**
   * Queue a message now; `json` serialises it (its JSON and UTF-8 size, or undefined: refused), which
   * the queue does as it writes, WRITE_CHUNK records per task, or at once when it must be read (the
   * page-hide path). Records added in the same tick are written together.
   */
  _add(record: Captured, json: () => [string, number] | undefined): void;
  /** Claim the oldest unclaimed records, from every tab of the site: none when fewer than `min` are ready. */
  _take(count: number, bytes: number, min?: number): Promise<Rec[]>;
  /** Sent (2xx) or refused for good: delete. */
  _done(records: Rec[]): Promise<unknown>;
  /** Failed but worth retrying: unclaim. */
  _retry(records: Rec[]): Promise<unknown>;
  /** This tab's records that no sender holds, oldest first, known without waiting for storage (the page-hide path). */
  _unsent(): Rec[];
  /** Mark records this tab is sending outside `_take` (the page-hide path). */
  _hold(records: Rec[]): void;
  /** Another tab said it is sending these: leave them to it for a while. */
  _skip(ids: string[]): void;
  /** Records captured by this tab and not yet sent (serialised or not). */
  _size(): number;
  /** Delete everything queued, in flight or spilled, by every tab of the site (opt-out, denial). */
  _clear(): Promise<unknown>;
  /**
   * The page is being left: keep every record this tab is sending away from other senders until
   * `until` (0: not at all), and copy what is not acknowledged to localStorage, synchronously.
   */
  _leaving(until: number): void;
  /**
   * The page is being left (`leaving`: for the back/forward cache), frozen, or runs again: see
   * EventStore's `_settle`. Meanwhile the localStorage copy made by `_leaving` is what keeps this
   * page's events; once it runs again, its unsent records are written to IndexedDB again.
   */
  _settle(leaving: boolean): void;
  /** The page came back from the back/forward cache: it sends its events itself again. */
  _stay(): void;
  /**
   * The collector answered this page (`failed`: a network error, 408, 429 or 5xx): the first answer
   * settles the hand-off claims of the spills this page restored (see HANDOFF_TTL in dispatcher.ts).
   * A failure releases them, so they are sent again; a success lets them stand until they run out.
   */
  _heard(failed: boolean): void;
  /** Events dropped by the caps and not yet reported to the collector. */
  _dropped: number;
  /** When the earliest claim of another sender, seen by the last `_take`, runs out (0: none). */
  _wake: number;
}

/**
 * The event queue: one code path over an EventStore, IndexedDB first, memory (`memoryStore`) when
 * IndexedDB is missing or fails (then for the rest of this page; the next page load tries IndexedDB
 * again). It also keeps, in memory, this tab's records that are not yet sent (`unsentHere`) and
 * those being sent (`sendingHere`): a page being left cannot wait for a storage read.
 */
export function eventQueue(settings: Settings, tab: string, report: (error: EngagekitError) => void): EventQueue {
  // The IndexedDB store; undefined when IndexedDB is missing.
  const idb = typeof indexedDB == 'object' && indexedDB ? idbStore(settings.dbName) : undefined;
  // The store in use: IndexedDB until it fails, then memory for the rest of this page.
  let store: EventStore = idb || memoryStore();
  // This tab's records that no sender holds, by messageId, in the order they were added.
  const unsentHere = new Map<string, Rec>();
  // Records this tab is sending (taken by a drain, or handed to the browser as the page is left).
  const sendingHere = new Map<string, Rec>();
  // Ids another tab said it is sending, and until when to leave them to it.
  const sendingElsewhere = new Map<string, number>();
  // Acknowledged records whose deletion from the store has not completed: a take that read the
  // store before the deletion must not send them again (a keepalive answer from the page-hide path
  // can arrive while a drain's take is reading, e.g. right after a back/forward cache restore).
  const deleting = new Set<string>();
  const busy = (id: string) => sendingHere.has(id) || deleting.has(id);
  // Where this tab copies its unsent records as the page is left (see `_leaving`).
  const spillKey = 'spill.' + tab;
  // Messages added and not yet serialised, in order (see `_add`).
  const captured: [record: Captured, json: () => [string, number] | undefined][] = [];
  // Records serialised (or restored) and not yet written (see writeAdded).
  const addedThisTick: Rec[] = [];
  // Records restored from spills, until this page's first answer from the collector settles those
  // with a hand-off claim (see HANDOFF_TTL in dispatcher.ts, and `_heard`).
  let handedOff: Rec[] = [];
  // Those whose hand-off claim still runs (a spill's other records have none, or one that ran out:
  // ordinary records, perhaps taken by another sender since).
  const stillHandedOff = () => handedOff.filter((record) => record.c! > Date.now());
  // The page is being left (`_leaving`), and has not come back (`_stay`).
  let left = false;
  // The latest store write: a take waits for it, so it sees every record added before it.
  let writing: Promise<unknown> = Promise.resolve();
  if (!idb) warn('IndexedDB is missing: events are kept in memory for this page');
  // Count a record among this tab's unsent ones (what the page-hide path sends), unless it was
  // acknowledged meanwhile.
  const keepHere = (record: Rec) => {
    if (!deleting.has(record.id)) unsentHere.set(record.id, record);
  };

  // How many times the page was left for the back/forward cache or frozen (see `_settle`), and
  // whether it is now.
  let frozen = 0;
  let leaving = false;

  // A memory store holding what this tab has: its unsent records, those it is sending (claimed as
  // a take claims), and the hand-off claims it restored and has not settled (claims as they are).
  const memoryCopy = () => {
    const until = Date.now() + CLAIM_TTL;
    return memoryStore([
      ...stillHandedOff(),
      ...[...sendingHere.values()].map((record) => ({ ...record, c: until })),
      ...unsentHere.values(),
    ]);
  };

  // Every store call goes through here. The first failure of IndexedDB switches this page to a
  // memory store holding what this tab has, and the call runs again there, so nothing captured is
  // lost and the page never sees the error. A call the page was frozen during does not switch:
  // WebKit aborts the transactions of a frozen page that block another
  // (https://bugs.webkit.org/show_bug.cgi?id=315804) and may close its connection; that call runs on
  // a memory copy, and the restored page writes its unsent records again (`_settle`) and goes on
  // with IndexedDB. `again` is what runs on the memory store after a failure, when that differs.
  const withStore = <T>(
    action: (store: EventStore) => Promise<T>,
    again: (store: EventStore) => Promise<T> = action,
  ): Promise<T> => {
    const began = frozen;
    const used = store;
    return action(used).catch((error) => {
      if (used == store) {
        if (began != frozen) return again(memoryCopy());
        store = memoryCopy();
        warn('IndexedDB failed (' + error + '): events are kept in memory for this page');
        report({ type: 'storage', message: String(error) });
      }
      return again(store);
    });
  };

  const reportDropped = (count: number) => {
    if (count > 0) {
      queue._dropped += count;
      report({ type: 'dropped', count, message: count + ' queued events dropped (queue full or too old)' });
    }
  };

  // Serialise up to `count` captured messages, oldest first: each becomes one of this tab's unsent
  // records, to be written. The in-memory copy is bounded like the store (which drops the same
  // oldest records; counted once, there). Stop as soon as it is not over: walking the whole map on
  // every record made 1,000 tracks quadratic.
  const serialiseCaptured = (count?: number) => {
    for (const [fields, json] of captured.splice(0, count ?? captured.length)) {
      const serialised = json();
      if (!serialised) continue;
      const record = { ...fields, j: serialised[0], n: serialised[1] };
      unsentHere.set(record.id, record);
      addedThisTick.push(record);
      let excess = unsentHere.size - settings.maxQueueSize;
      for (const id of unsentHere.keys()) {
        if (excess-- < 1) break;
        unsentHere.delete(id);
      }
    }
  };

  // Write what was added, WRITE_CHUNK records per transaction, serialising them first. Serialising
  // and each put's clone (https://w3c.github.io/IndexedDB/#dom-idbobjectstore-put) run on the
  // page's main thread: a burst of 1,000 events written at once was a long task of about 100 ms
  // after it, so the chunks after the first wait for a later task (not in a hidden page, whose
  // timers the browser slows down).
  const writeAdded = (): Promise<unknown> | undefined => {
    serialiseCaptured(WRITE_CHUNK);
    const records = addedThisTick.splice(0, WRITE_CHUNK);
    const more = () => {
      if (addedThisTick[0] || captured[0])
        return document.hidden ? writeAdded() : new Promise((resolve) => setTimeout(resolve)).then(writeAdded);
    };
    return records[0]
      ? withStore(
          (store) => store._put(records, settings.maxQueueSize),
          // Not again in memory: the memory store starts with this tab's unsent records, these among
          // them, and one acknowledged since (IndexedDB can take 4 s to fail) must not come back.
          () => Promise.resolve(0),
        ).then((dropped) => {
          reportDropped(dropped);
          return more();
        })
      : more();
  };

  // Have `record` written: at the end of this tick, after what is being written, unless a write is
  // due already. `writing` covers it from then on, so a take started in the same tick waits for it.
  const scheduleWrite = () => {
    if (addedThisTick.length + captured.length == 1) writing = writing.then(writeAdded);
  };

  const takeLimits = (count: number, bytes: number, min?: number): TakeLimits => {
    const now = Date.now();
    return {
      count,
      bytes,
      min,
      now,
      maxAge: settings.maxAge,
      ttl: CLAIM_TTL,
      skip: (id) => busy(id) || sendingElsewhere.get(id)! > now,
    };
  };

  // What pages of the site copied to localStorage as they were left goes (back) into the queue,
  // claims and all; the copy is deleted once stored. Same messageIds: a record IndexedDB already has
  // is just rewritten. Only well-formed records are read back, and the copy is deleted whatever
  // happens to them: a spill that cannot be restored must not fail again on every later page.
  // A memory store is this tab's alone, so what it takes unclaimed counts as this tab's unsent.
  for (const key of keys('spill.')) {
    const records = readRecords(load(key));
    const forget = () => save(key, undefined);
    writing = writing
      .then(() =>
        withStore((store) =>
          store._put(records, settings.maxQueueSize).then(() => {
            handedOff.push(...records);
            if (store != idb) for (const record of records) if (!(record.c! > Date.now())) keepHere(record);
          }),
        ),
      )
      .then(forget, forget);
  }

  const queue: EventQueue = {
    _dropped: 0,
    _wake: 0,
    _add(record, json) {
      captured.push([record, json]);
      scheduleWrite();
    },
    async _take(count, bytes, min) {
      await writing;
      const limits = takeLimits(count, bytes, min);
      const [batch, expired, wake] = await withStore((store) => store._take(limits));
      queue._wake = wake;
      for (const record of expired) unsentHere.delete(record.id);
      reportDropped(expired.length);
      // The page-hide path may have sent some of these (or had them acknowledged) while the claim was being written.
      const records = batch.filter((record) => !busy(record.id));
      for (const record of records) {
        unsentHere.delete(record.id);
        sendingHere.set(record.id, record);
      }
      return records;
    },
    _done(records) {
      const ids = records.map((record) => record.id);
      for (const id of ids) {
        sendingHere.delete(id);
        unsentHere.delete(id);
        deleting.add(id);
      }
      // Not written yet (a write waiting behind another, or for a page restored from the
      // back/forward cache to run): never written now, or it would come back after its deletion.
      for (let i = addedThisTick.length; i--;) if (deleting.has(addedThisTick[i].id)) addedThisTick.splice(i, 1);
      return withStore((store) => store._remove(ids)).finally(() => {
        for (const id of ids) deleting.delete(id);
      });
    },
    _retry(records) {
      for (const record of records) {
        sendingHere.delete(record.id);
        // Back among this tab's unsent records; another tab's go back to IndexedDB only (it keeps
        // its own). A memory store is this tab's alone: all it holds is this tab's to send.
        if (record.o == tab || store != idb) keepHere(record);
      }
      return withStore((store) => store._release(records.map((record) => record.id)));
    },
    _unsent() {
      serialiseCaptured();
      return [...unsentHere.values()];
    },
    _hold(records) {
      for (const record of records) {
        unsentHere.delete(record.id);
        sendingHere.set(record.id, record);
      }
    },
    _skip(ids) {
      const now = Date.now();
      // Forget claims that ran out, so a long-lived tab does not collect them.
      for (const [id, until] of sendingElsewhere) if (until < now) sendingElsewhere.delete(id);
      for (const id of ids) {
        sendingElsewhere.set(id, now + CLAIM_TTL);
        unsentHere.delete(id);
      }
    },
    _size: () => unsentHere.size + captured.length,
    _leaving(until) {
      serialiseCaptured();
      // Every record this tab is sending (taken by a drain, or handed to the browser), claimed until `until`.
      const handed = [...sendingHere.values()].map((record) => ({ ...record, c: until }));
      // After this tab's pending write, or that write would undo the mark; not when going into the
      // back/forward cache (see `_settle`: the copy below holds the same claims), nor at all when the
      // page came back meanwhile (`_stay`): it settles its records itself again, and a release it
      // makes must not be undone by a late mark.
      left = true;
      if (until && !leaving) {
        writing = writing.then(() => (left ? withStore((store) => store._mark(handed, until)) : undefined));
      }
      // The IndexedDB write of the last events may still be running when the page is destroyed,
      // which aborts it: a synchronous copy makes sure the next page of the site has them.
      // Our own writer: a page's Array.prototype.toJSON or JSON.stringify must not change what is stored.
      // Hand-off claims this page restored and has not settled go on with it, unchanged, to the next page.
      save(spillKey, writeRecords([...handed, ...stillHandedOff(), ...unsentHere.values()]));
    },
    _stay() {
      left = false;
      save(spillKey, undefined);
    },
    _heard(failed) {
      const records = stillHandedOff();
      handedOff = [];
      if (failed && records[0])
        withStore((store) =>
          store._release(records.map((record) => record.id)).then(() => {
            if (store != idb) records.forEach(keepHere);
          }),
        );
    },
    _settle(leavingNow) {
      store._settle(leavingNow);
      if (leavingNow) frozen++;
      // Back from the back/forward cache (or a freeze): what this tab has not sent goes into IndexedDB
      // again (a write the freeze cut short), once `_back` has counted what was in flight as unsent.
      else if (leaving)
        Promise.resolve().then(() =>
          unsentHere.forEach((record) => {
            addedThisTick.push(record);
            scheduleWrite();
          }),
        );
      leaving = leavingNow;
    },
    async _clear() {
      handedOff = [];
      captured.length = 0;
      unsentHere.clear();
      sendingHere.clear();
      for (const key of keys('spill.')) save(key, undefined);
      await writing;
      // At the end of time every record has expired, so one take deletes them all, those another
      // sender holds too (in flight, or handed to the browser): a failed send must not bring them back.
      return withStore((store) => store._take({ ...takeLimits(0, 0), now: Infinity }));
    },
  };
  return queue;
}
