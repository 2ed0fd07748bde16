import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { byAge, selectBatch, type EventStore, type Taken } from './eventStore';
import type { Rec } from './record';

/**
 * Safari 14.1 could leave the first `indexedDB.open` after launch pending forever
 * (https://bugs.webkit.org/show_bug.cgi?id=226547, the reason the `safari-14-idb-fix` package
 * exists), and an open blocked by another tab never settles either: an operation that takes longer
 * than this counts as failed.
 */
export const IDB_TIMEOUT = 4000;

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
  const open = () => createStore(dbName, 'events');
  // idb-keyval's handle on the open database: runs a callback in a transaction on our object store.
  let connection: UseStore = open();
  let reopened = false;

  // Run one transaction: `queueRequests` makes its requests and returns what reads the result once
  // the transaction has committed.
  function transaction<T>(mode: IDBTransactionMode, queueRequests: (store: IDBObjectStore) => () => T): Promise<T> {
    const attempt = () =>
      connection(mode, (store) => {
        const readResult = queueRequests(store);
        return promisifyRequest(store.transaction).then(readResult);
      });
    const outcome = Promise.resolve()
      .then(attempt)
      .catch((error: DOMException) => {
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

  const readAll = (store: IDBObjectStore, onRecords: (records: Rec[]) => void) => {
    const request = store.getAll();
    request.onsuccess = () => onRecords(request.result);
  };

  return {
    _put: (records, max) =>
      transaction('readwrite', (store) => {
        let dropped = 0;
        for (const record of records) store.put(record, record.id);
        const countRequest = store.count();
        countRequest.onsuccess = () => {
          const excess = countRequest.result - max;
          if (excess > 0)
            readAll(store, (stored) => {
              for (const record of stored.sort(byAge).slice(0, excess)) store.delete(record.id);
              dropped = excess;
            });
        };
        return () => dropped;
      }),
    _take: (limits) =>
      transaction('readwrite', (store) => {
        let taken: Taken = [[], [], 0];
        readAll(store, (stored) => {
          taken = selectBatch(stored, limits);
          // Delete the expired records, and claim the batch.
          for (const record of taken[1]) store.delete(record.id);
          for (const record of taken[0]) store.put({ ...record, c: limits.now + limits.ttl }, record.id);
        });
        return () => taken;
      }),
    _remove: (ids) =>
      transaction('readwrite', (store) => {
        for (const id of ids) store.delete(id);
        return () => undefined;
      }),
    _mark: (records, until) =>
      transaction('readwrite', (store) => {
        for (const record of records) store.put({ ...record, c: until }, record.id);
        // Commit now rather than when the task ends: the page is going away.
        // https://w3c.github.io/IndexedDB/#dom-idbtransaction-commit (optional: older browsers lack it)
        store.transaction.commit?.();
        return () => undefined;
      }),
    _release: (ids) =>
      transaction('readwrite', (store) => {
        for (const id of ids) {
          const request = store.get(id);
          // Gone meanwhile (sent by another tab, or expired): nothing to unclaim.
          request.onsuccess = () => request.result && store.put({ ...request.result, c: 0 }, id);
        }
        return () => undefined;
      }),
  };
}
