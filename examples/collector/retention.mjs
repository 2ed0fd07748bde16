// RETAIN_DAYS: raw events older than that many days are deleted, a little at a time, once at
// start and then every hour. The rollups stay, so the report's numbers for whole days (what the
// dashboard asks for) keep their old days; what is read from the raw events loses them: the
// forms tables, ranges that are not whole days, and the customer metrics (orders and who placed
// them, over all time up to the end of the range).
import { OLDER, partitionRange, partitionsOf } from './partitions.mjs';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/**
 * Events deleted by one statement. Each is a row out of the table and its six indexes: small
 * enough that an ingest commit waiting behind one statement waits a few milliseconds, not a
 * whole purge (SQLite has one writer, and it runs on the ingest thread).
 */
const CHUNK = 2_000;

/**
 * Deletes the events captured before `before` (ms), CHUNK at a time, yielding to other work
 * between statements. Returns how many were deleted.
 *
 * @param {import('./store.mjs').Store} store @param {number} before
 * @param {{ limit?: number, stopped?: () => boolean }} [opts]  `limit`: stop after about that many (a
 *   pass never runs for ever on a huge backlog); `stopped`: stop before the next statement when true
 * @returns {Promise<number>}
 */
export async function deleteEventsBefore(store, before, { limit = Infinity, stopped = () => false } = {}) {
  if (store.dialect === 'postgres') return deletePartitionsBefore(store, before, { limit, stopped });
  // By row address (SQLite's rowid), found through the index on ts.
  const statement = `DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE ts < ? LIMIT ${CHUNK}) RETURNING 1 AS gone`;
  return deleteInChunks(store, statement, [before], limit, stopped);
}

/**
 * Runs `statement` (a delete returning one row per event deleted) until it deletes fewer than
 * CHUNK, `limit` are deleted or `stopped()`. Returns how many were deleted.
 * @param {import('./store.mjs').Store} store @param {string} statement @param {unknown[]} params
 * @param {number} limit @param {() => boolean} stopped
 */
async function deleteInChunks(store, statement, params, limit, stopped) {
  let deleted = 0;
  while (deleted < limit && !stopped()) {
    const n = (await store.all(statement, params)).length;
    deleted += n;
    if (n < CHUNK) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return deleted;
}

/**
 * PostgreSQL, whose events are partitioned by month (partitions.mjs): each partition that holds
 * events from before `before` has them deleted with their keys (`event_keys`, which finds
 * duplicates), and a month wholly before it is then detached and dropped, which gives its disk
 * space back at once (deleted rows would wait for VACUUM, and leave the table as large). DETACH …
 * CONCURRENTLY waits for the queries reading it, without holding up ingest or the report; one that
 * did not finish (the process ended) is finished first.
 * @param {import('./store.mjs').Store} store @param {number} before
 * @param {{ limit: number, stopped: () => boolean }} opts
 */
async function deletePartitionsBefore(store, before, { limit, stopped }) {
  const { months, pending } = await partitionsOf(store.all);
  for (const name of pending) {
    await store.all(`ALTER TABLE events DETACH PARTITION ${name} FINALIZE`);
    await store.all(`DROP TABLE IF EXISTS ${name}`);
  }
  const older = [OLDER, ...[...months].sort()].filter((name) => (partitionRange(name)?.from ?? -Infinity) < before);
  let deleted = 0;
  for (const name of older) {
    if (stopped() || deleted >= limit) break;
    const statement = `WITH gone AS (DELETE FROM ${name} WHERE ctid IN (SELECT ctid FROM ${name} WHERE ts < ? LIMIT ${CHUNK})
      RETURNING write_key, message_id),
      keys AS (DELETE FROM event_keys k USING gone WHERE k.write_key = gone.write_key AND k.message_id = gone.message_id)
      SELECT 1 AS gone FROM gone`;
    deleted += await deleteInChunks(store, statement, [before], limit - deleted, stopped);
    const range = partitionRange(name);
    if (!range || range.to > before || stopped() || deleted >= limit) continue;
    // Emptied: an event stored in it since (an import dated that month) goes with it, its key left.
    await store.all(`ALTER TABLE events DETACH PARTITION ${name} CONCURRENTLY`);
    await store.all(`DROP TABLE IF EXISTS ${name}`);
  }
  return deleted;
}

/** Throws a RangeError unless `days` is a whole number over 0. @param {unknown} days */
export function checkRetainDays(days) {
  if (!(Number.isInteger(days) && /** @type {number} */ (days) > 0))
    throw new RangeError(`RETAIN_DAYS must be a whole number of days over 0, not ${days}`);
}

/**
 * Runs deleteEventsBefore(now − retainDays) at once and every `everyMs`; each pass that deletes
 * something logs how many, and a failed pass is logged and tried again next time.
 *
 * @param {import('./store.mjs').Store} store
 * @param {{ retainDays: number, log: (entry: Record<string, unknown>) => void, everyMs?: number, now?: () => number }} opts
 * @returns {{ done: () => Promise<void>, stop: () => Promise<void> }}  `done`: the pass under way
 *   (or the last) has ended; `stop`: no pass after the one under way, which it waits for
 */
export function startRetention(store, { retainDays, log, everyMs = HOUR, now = Date.now }) {
  checkRetainDays(retainDays);
  let stopped = false;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  /** @type {Promise<void>} */
  let pass = Promise.resolve();
  const run = () => {
    pass = (async () => {
      const before = now() - retainDays * DAY;
      const t0 = performance.now();
      try {
        const deleted = await deleteEventsBefore(store, before, { limit: 5_000_000, stopped: () => stopped });
        if (deleted)
          log({
            level: 'info',
            msg: 'old events deleted',
            deleted,
            before: new Date(before).toISOString(),
            ms: Math.round(performance.now() - t0),
          });
      } catch (e) {
        log({
          level: 'error',
          msg: 'deleting old events failed',
          error: String(/** @type {Error} */ (e)?.message || e),
        });
      }
      if (!stopped) (timer = setTimeout(run, everyMs)).unref();
    })();
  };
  run();
  return {
    done: () => pass,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
