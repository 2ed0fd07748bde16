import { promisifyRequest, type UseStore } from 'idb-keyval';
import { batchSelector, type EventStore, type Taken } from './eventStore';

/**
 * Safari 14.1 could leave the first `indexedDB.open` after launch pending forever
 * (https://bugs.webkit.org/show_bug.cgi?id=226547, the reason the `safari-14-idb-fix` package
 * exists), and an open blocked by another tab never settles either: an operation that takes longer
 * than this counts as failed.
 */
export const IDB_TIMEOUT = 4000;

/** The object store of records, keyed by messageId (out-of-line keys, as 0.1.0 stored them). */
const EVENTS = 'events';
/** The index of records by age, [capture time, sequence]: what `_take` and the cap read, oldest first. */
const BY_AGE = 'age';

/**
 * idb-keyval's `createStore` opens at whatever version the database has and can only create the
 * store, not an index: this is the same function with a version, opening on the first call. Version
 * 1 (0.1.0) had the store alone; version 2 adds the age index in place (0.1.0's records all have `t`
 * and `q`, so every one is indexed; none is lost). A 0.1.0 tab still open holds version 1 and does
 * not close for an upgrade (https://w3c.github.io/IndexedDB/#dom-idbdatabase-onversionchange), so
 * until that tab goes the open waits and a page of this version times out to memory (IDB_TIMEOUT).
 * Exported for tests that read the queue: idb-keyval's `createStore` would make a version-1
 * database if none exists yet, and hold it open against the upgrade.
 */
export function openStore(dbName: string): UseStore {
  let database: Promise<IDBDatabase> | undefined;
  return (mode, callback) => {
    if (!database) {
      const request = indexedDB.open(dbName, 2);
      request.onupgradeneeded = () =>
        (request.result.objectStoreNames.contains(EVENTS)
          ? request.transaction!.objectStore(EVENTS)
          : request.result.createObjectStore(EVENTS)
        ).createIndex(BY_AGE, ['t', 'q']);
      database = promisifyRequest(request);
      // As idb-keyval's createStore: a connection the browser closed (Safari, idle) is opened again.
      database.then(
        (db) => {
          db.onclose = () => (database = undefined);
          // A later version's upgrade is not kept waiting by this tab, as 0.1.0 tabs keep this one
          // waiting: close, and the next call opens again (a newer database fails it: memory then).
          db.onversionchange = () => {
            db.close();
            database = undefined;
          };
        },
        () => undefined,
      );
    }
    return database.then((db) => callback(db.transaction(EVENTS, mode).objectStore(EVENTS)));
  };
}

/**
 * Set a request's success callback. A request it makes after its transaction was committed early
 * (`_settle`) throws; that is caught, because an exception in an IndexedDB event handler aborts
 * the transaction (https://w3c.github.io/IndexedDB/#fire-a-success-event) and with it the writes
 * already queued. What the callback would have added (the cap, a cursor's next step, a claim) is
 * then skipped: the next transaction does it, or nothing was taken.
 */
function onSuccess(request: IDBRequest, callback: () => void): void {
  request.onsuccess = () => {
    try {
      callback();
    } catch {
      // committed early: see above
    }
  };
}

/**
 * The IndexedDB EventStore, shared by every tab of the site. It uses its own database
 * (default `engagekit`), never idb-keyval's shared `keyval-store`. Each method is one transaction,
 * and IndexedDB runs read-write transactions on one store one at a time, across tabs too
 * (https://w3c.github.io/IndexedDB/#transaction-scheduling): that is what makes `_take`'s claim
 * atomic. A connection that was closed under us (Safari closes idle ones; idb-keyval then holds a
 * dead handle: InvalidStateError) is reopened once; any other failure rejects, and the queue falls
 * back to memory.
 */
export function idbStore(dbName: string): EventStore {
  const open = () => openStore(dbName);
  // idb-keyval's handle on the open database: runs a callback in a transaction on our object store.
  let connection: UseStore = open();
  let reopened = false;

  // Transactions started and not finished (see `_settle`).
  const live = new Set<IDBTransaction>();
  // While the page is being left for the back/forward cache, or frozen: new transactions wait for
  // this promise, which `thaw` resolves when the page runs again (see `_settle`).
  let unfrozen: Promise<unknown> = Promise.resolve();
  let thaw: (() => void) | undefined;

  // Run one transaction: `queueRequests` makes its requests and returns what reads the result once
  // the transaction has committed.
  function transaction<T>(mode: IDBTransactionMode, queueRequests: (store: IDBObjectStore) => () => T): Promise<T> {
    const attempt = () =>
      connection(mode, (store) => {
        const readResult = queueRequests(store);
        const started = store.transaction;
        live.add(started);
        return promisifyRequest(started)
          .then(readResult)
          .finally(() => live.delete(started));
      });
    const outcome = unfrozen.then(attempt).catch((error: DOMException) => {
      if (reopened || error?.name != 'InvalidStateError') throw error;
      reopened = true;
      connection = open();
      return attempt();
    });
    let timer: ReturnType<typeof setTimeout>;
    return Promise.race([
      outcome,
      new Promise<T>(
        (_resolve, reject) => (timer = setTimeout(reject, IDB_TIMEOUT, new Error('IndexedDB did not answer'))),
      ),
    ]).finally(() => clearTimeout(timer));
  }

  // Walk the records oldest first (the age index) while `onRecord` says to go on, then call `onEnd`.
  const walkByAge = (
    store: IDBObjectStore,
    onRecord: (cursor: IDBCursorWithValue) => boolean | number,
    onEnd: () => void = () => undefined,
  ) => {
    const request = store.index(BY_AGE).openCursor();
    onSuccess(request, () => {
      const cursor = request.result;
      if (cursor && onRecord(cursor)) cursor.continue();
      else onEnd();
    });
  };

  // Claim (or, at 0, unclaim) the records still stored: read, then write. A record removed
  // meanwhile (acknowledged, by this tab or another, or expired) stays gone: a mark queued behind a
  // pending write while the 2xx arrived must not write it back, claimed and later sent again.
  const setClaims = (store: IDBObjectStore, ids: string[], until: number) => {
    let pending = ids.length;
    for (const id of ids) {
      const request = store.get(id);
      onSuccess(request, () => {
        if (request.result) store.put({ ...request.result, c: until }, id);
        // Commit as soon as the last write is queued rather than when the task ends: `_mark` runs as the page
        // is going away. https://w3c.github.io/IndexedDB/#dom-idbtransaction-commit (optional: older browsers lack it)
        if (!--pending) store.transaction.commit?.();
      });
    }
    return () => undefined;
  };

  return {
    _put: (records, max) =>
      transaction('readwrite', (store) => {
        let dropped = 0;
        for (const record of records) store.put(record, record.id);
        const countRequest = store.count();
        onSuccess(countRequest, () => {
          let excess = (dropped = Math.max(countRequest.result - max, 0));
          // Delete the oldest: the first `excess` of the age index (committed early: on the next put).
          if (excess)
            walkByAge(store, (cursor) => {
              cursor.delete();
              return --excess;
            });
        });
        return () => dropped;
      }),
    // Reads only up to the first record that does not fit the batch (see batchSelector), plus the
    // expired, claimed and skipped ones before it: O(batch), not O(queue).
    _take: (limits) =>
      transaction('readwrite', (store) => {
        const [visit, finish] = batchSelector(limits);
        let taken: Taken = [[], [], 0];
        walkByAge(
          store,
          (cursor) => visit(cursor.value),
          () => {
            taken = finish();
            // Delete the expired records, and claim the batch (read in this transaction: all still there).
            for (const record of taken[1]) store.delete(record.id);
            for (const record of taken[0]) store.put({ ...record, c: limits.now + limits.ttl }, record.id);
          },
        );
        return () => taken;
      }),
    _remove: (ids) =>
      transaction('readwrite', (store) => {
        for (const id of ids) store.delete(id);
        return () => undefined;
      }),
    _mark: (records, until) =>
      transaction('readwrite', (store) =>
        setClaims(
          store,
          records.map((record) => record.id),
          until,
        ),
      ),
    _release: (ids) => transaction('readwrite', (store) => setClaims(store, ids, 0)),
    _settle(leaving) {
      for (const started of live) {
        try {
          started.commit?.();
        } catch {
          // finished meanwhile, or committing already
        }
      }
      if (leaving && !thaw) unfrozen = new Promise<void>((resolve) => (thaw = resolve));
      if (!leaving && thaw) {
        thaw();
        thaw = undefined;
        // WebKit may have closed the connection meanwhile: it can be reopened once more.
        reopened = false;
      }
    },
  };
}
