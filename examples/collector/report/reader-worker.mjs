// The report's worker thread (reader.mjs): one read-only connection to the collector's SQLite
// file, one query at a time, rows posted back.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// The lowest CPU priority for this thread: when the report and ingest want the same core, ingest
// gets it (on two cores a report's seconds of work otherwise delayed ingest requests by up to
// 1.3 s). Linux only: there the nice value is a thread's own (setpriority(2), "BUGS": per thread
// under NPTL); elsewhere it is the process's, and would slow ingest too.
if (process.platform === 'linux') {
  try {
    setPriority(19);
  } catch {
    // Not allowed (a container without CAP_SYS_NICE can still lower its priority; be safe): as is.
  }
}

const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
// The report reads whole ranges of the rollups and sorts them: the file mapped into memory (no
// read call per page), 128 MB of page cache (2 MB by default) and its sorts kept in memory up to
// that much, not in temporary files.
db.pragma('mmap_size = 4294967296');
db.pragma('cache_size = -131072');
db.pragma('temp_store = MEMORY');

// A batch (the day cache's writes, to this connection's temporary tables): in one transaction,
// whose snapshot of the collector's file is taken at its first read and held to its end.
const runBatch = db.transaction((/** @type {{ sql: string, params: unknown[] }[]} */ statements) => {
  for (const s of statements) db.prepare(s.sql).run(s.params);
});

parentPort?.on(
  'message',
  (/** @type {{ id: number, sql: string, params: unknown[], batch?: { sql: string, params: unknown[] }[] }} */ m) => {
    try {
      if (m.batch) {
        runBatch(m.batch);
        parentPort?.postMessage({ id: m.id, rows: [] });
      } else parentPort?.postMessage({ id: m.id, rows: db.prepare(m.sql).all(m.params) });
    } catch (e) {
      parentPort?.postMessage({ id: m.id, error: String(/** @type {Error} */ (e)?.message || e) });
    }
  },
);
