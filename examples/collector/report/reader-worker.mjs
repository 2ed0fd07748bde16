// The report's worker thread (reader.mjs): one read-only connection to the collector's SQLite
// file, one query at a time, rows posted back.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');

parentPort?.on('message', (/** @type {{ id: number, sql: string, params: unknown[] }} */ m) => {
  try {
    parentPort?.postMessage({ id: m.id, rows: db.prepare(m.sql).all(m.params) });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: String(/** @type {Error} */ (e)?.message || e) });
  }
});
