// The report's SQLite queries, run off the ingest thread: better-sqlite3 is synchronous, and a
// query over millions of events run on the collector's event loop would hold every ingest request
// (and /health) until it ends. A worker thread with its own read-only connection runs them
// instead (WAL: readers and the writer never wait for each other), with a time limit.
import { Worker } from 'node:worker_threads';

/** Parameters as better-sqlite3 binds them: it refuses booleans, which SQLite stores as 0 and 1. @param {unknown[]} params */
export const sqliteParams = (params) => params.map((p) => (typeof p == 'boolean' ? Number(p) : p));

/**
 * A reader of the SQLite file at `file`. `all` runs one query in the worker (queries queue there,
 * one at a time); a query not answered within `timeoutMs` (counted from when it was asked) ends
 * the worker, failing every query it held, and the next query starts a new one.
 *
 * @param {string} file @param {{ timeoutMs?: number }} [opts]
 * `batch` runs statements that return no rows (the report's day cache, in the connection's
 * temporary tables) in order, in one transaction.
 *
 * @returns {{ all: (sql: string, params?: unknown[]) => Promise<Record<string, any>[]>,
 *   batch: import('../store.mjs').Batch, close: () => Promise<void> }}
 */
export function openReader(file, { timeoutMs = 30_000 } = {}) {
  /** @type {Worker | undefined} */
  let worker;
  let seq = 0;
  /** @type {Map<number, { resolve: (rows: any[]) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }>} */
  const pending = new Map();
  const failAll = (/** @type {Error} */ e) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    pending.clear();
  };
  const start = () => {
    const w = new Worker(new URL('./reader-worker.mjs', import.meta.url), { workerData: { file } });
    w.on('message', (/** @type {{ id: number, rows?: any[], error?: string }} */ m) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(/** @type {any[]} */ (m.rows));
    });
    w.on('error', (e) => failAll(e));
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(new Error('the report worker stopped'));
    });
    return w;
  };
  /** @param {Record<string, unknown>} message @returns {Promise<any>} */
  const ask = (message) => {
    const w = (worker ||= start());
    const id = ++seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // better-sqlite3 cannot interrupt a query: the worker (and its connection) goes.
        if (worker === w) worker = undefined;
        failAll(new Error(`report query over ${timeoutMs} ms`));
        w.terminate();
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      w.postMessage({ id, ...message });
    });
  };
  return {
    all: (sql, params = []) => ask({ sql, params: sqliteParams(params) }),
    // The worker runs them in one transaction, between two queries: none sees them half done.
    batch: async (statements) => {
      await ask({ batch: statements.map((s) => ({ sql: s.sql, params: sqliteParams(s.params ?? []) })) });
    },
    async close() {
      const w = worker;
      worker = undefined;
      await w?.terminate();
    },
  };
}
