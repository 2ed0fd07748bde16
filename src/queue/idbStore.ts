import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { byAge, selectBatch, type EventStore, type Rec, type Taken } from './eventStore';

/**
 * Safari 14.1 could leave the first `indexedDB.open` after launch pending forever (the reason the
 * `safari-14-idb-fix` package exists), and an open blocked by another tab never settles either:
 * an operation that takes longer than this counts as failed.
 */
export const IDB_TIMEOUT = 4000;

/**
 * The IndexedDB EventStore, shared by every tab of the site. It uses its own database
 * (default `engagekit`), never idb-keyval's shared `keyval-store`. Each method is one transaction,
 * and IndexedDB runs read-write transactions on one store one at a time, across tabs too: that is
 * what makes `_take`'s claim atomic. A connection that was closed under us (Safari closes idle ones;
 * idb-keyval then holds a dead handle: InvalidStateError) is reopened once; any other failure
 * rejects, and the queue falls back to memory.
 */
export function idbStore(dbName: string): EventStore {
  const open = () => createStore(dbName, 'events');
  let db: UseStore = open();
  let reopened = false;

  function op<T>(mode: IDBTransactionMode, body: (s: IDBObjectStore) => () => T): Promise<T> {
    const attempt = () =>
      db(mode, (s) => {
        const result = body(s);
        return promisifyRequest(s.transaction).then(result);
      });
    const run = Promise.resolve()
      .then(attempt)
      .catch((e: DOMException) => {
        if (reopened || e?.name != 'InvalidStateError') throw e;
        reopened = true;
        db = open();
        return attempt();
      });
    let timer: ReturnType<typeof setTimeout>;
    return Promise.race([
      run,
      new Promise<T>((_, no) => (timer = setTimeout(no, IDB_TIMEOUT, new Error('IndexedDB did not answer')))),
    ]).finally(() => clearTimeout(timer));
  }

  const all = (s: IDBObjectStore, then: (recs: Rec[]) => void) => {
    const r = s.getAll();
    r.onsuccess = () => then(r.result);
  };

  return {
    _put: (recs, max) =>
      op('readwrite', (s) => {
        let dropped = 0;
        for (const r of recs) s.put(r, r.id);
        const count = s.count();
        count.onsuccess = () => {
          const extra = count.result - max;
          if (extra > 0)
            all(s, (stored) => {
              for (const r of stored.sort(byAge).slice(0, extra)) s.delete(r.id);
              dropped = extra;
            });
        };
        return () => dropped;
      }),
    _take: (l) =>
      op('readwrite', (s) => {
        let out: Taken = [[], [], 0];
        all(s, (stored) => {
          out = selectBatch(stored, l);
          for (const r of out[1]) s.delete(r.id);
          for (const r of out[0]) s.put({ ...r, c: l.now + l.ttl }, r.id);
        });
        return () => out;
      }),
    _remove: (ids) =>
      op('readwrite', (s) => {
        for (const id of ids) s.delete(id);
        return () => undefined;
      }),
    _mark: (recs, until) =>
      op('readwrite', (s) => {
        for (const r of recs) s.put({ ...r, c: until }, r.id);
        // Commit now rather than when the task ends: the page is going away.
        s.transaction.commit?.();
        return () => undefined;
      }),
    _release: (ids) =>
      op('readwrite', (s) => {
        for (const id of ids) {
          const g = s.get(id);
          g.onsuccess = () => g.result && s.put({ ...g.result, c: 0 }, id);
        }
        return () => undefined;
      }),
  };
}
