// The SQLite store's checkpoints, off the ingest thread (store.mjs). In WAL mode each commit
// appends pages to the log; a checkpoint copies them back into the database file and syncs it
// to disk. SQLite runs one automatically in the commit that crosses 1,000 pages of log, which
// put fsyncs on the ingest thread: at 20 events a commit, most of the time of a commit. Here a
// connection of its own checkpoints every `intervalMs` (PASSIVE: it never waits for the writer
// nor holds it up), while the writer's automatic checkpoint stays as a safety net far above.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection's own automatic checkpoint is never needed: it writes nothing.
db.pragma('wal_autocheckpoint = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failed: the next turn tries again, and the writer's own checkpoint is still there.
  }
}, workerData.intervalMs);
parentPort?.on('message', (m) => {
  if (m == 'close') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
