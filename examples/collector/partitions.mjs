// PostgreSQL keeps `events` in one partition per calendar month (UTC) of the capture time, so
// RETAIN_DAYS drops a past month's table instead of leaving its deleted rows for VACUUM, and a
// query over a range of dates reads only the months it covers. A partitioned table's unique keys
// must hold the partition key, and an event's capture time is not the same on every delivery (it
// is anchored to each request's receive time), so the key that finds duplicates is kept in a table
// of its own, `event_keys`. Every month before the store was partitioned shares one partition,
// `events_older`: imports of past events (sent without `sentAt`, so dated by the client) must not
// make a table per month they name.
const MONTH_NAME = /^events_(\d{4})_(\d{2})$/;

/** The partition of older events: every capture time before the first month's. */
export const OLDER = 'events_older';

/**
 * The months before the current one that get partitions of their own when a store is partitioned:
 * NEW_MONTHS for a new store (imports of recent past events), and for a store made before this
 * version every month back to its oldest event's, up to MIGRATED_MONTHS. Earlier events go to
 * `events_older`. Each partition costs a query that does not name a range of capture times one
 * more index lookup (the customers' identities: about 1 µs for an empty month).
 */
const NEW_MONTHS = 3;
const MIGRATED_MONTHS = 12;

/** The first instant (ms) of the UTC month of `ts`, `months` months later. @param {number} ts @param {number} [months] */
export function monthStart(ts, months = 0) {
  const d = new Date(ts);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/** The name of the partition of the month starting at `start`: `events_2026_12`. @param {number} start */
export function partitionName(start) {
  const d = new Date(start);
  return `events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * The capture times a partition holds, from its name: [from, to), ms (`events_older`: from −∞).
 * `undefined` for a table that is none of ours.
 * @param {string} name @returns {{ from: number, to: number } | undefined}
 */
export function partitionRange(name) {
  const m = MONTH_NAME.exec(name);
  if (!m) return undefined;
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  return { from, to: monthStart(from, 1) };
}

/** @typedef {(sql: string, params?: unknown[]) => Promise<Record<string, any>[]>} Query  `$n` placeholders */

/**
 * The partitions of `events` as they are now: their names, `older`'s upper bound, and whether the
 * table is there and partitioned at all (a store made before this version has it unpartitioned).
 * @param {Query} query
 */
export async function partitionsOf(query) {
  const [table] = await query(`SELECT relkind FROM pg_class WHERE oid = to_regclass('events')`);
  const rows =
    await query(`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS pending
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('events')`);
  return {
    /** Whether there is an `events` table at all (a new store has none). */
    exists: Boolean(table),
    partitioned: table?.relkind === 'p',
    /** Where `events_older` ends: a capture time before it goes there. */
    olderTo: Number(/TO \('?(-?\d+)'?\)/.exec(rows.find((r) => r.name === OLDER)?.bound ?? '')?.[1] ?? -Infinity),
    months: new Set(rows.filter((r) => MONTH_NAME.test(r.name) && !r.pending).map((r) => r.name)),
    /** Detached by a DETACH … CONCURRENTLY that did not finish (the process ended meanwhile). */
    pending: rows.filter((r) => r.pending).map((r) => String(r.name)),
  };
}

/**
 * Makes the monthly partitions of the months starting at `starts` that are missing, each as a
 * table of its own attached to `events`: ATTACH takes a lock on `events` that lets its reads and
 * inserts go on, where CREATE TABLE … PARTITION OF would wait for every query on it (a report's
 * run up to 30 s) and hold up every insert meanwhile. Run inside a transaction that holds the
 * schema's advisory lock. Returns the names made.
 * @param {Query} query @param {Iterable<number>} starts @param {Set<string>} known  the names already there
 */
export async function addMonths(query, starts, known) {
  const made = [];
  for (const start of new Set(starts)) {
    const name = partitionName(start);
    if (known.has(name)) continue;
    const to = monthStart(start, 1);
    await query(`CREATE TABLE IF NOT EXISTS ${name} (LIKE events INCLUDING DEFAULTS)`);
    // The bounds as a constraint first, so ATTACH need not read the table to check them.
    await query(`ALTER TABLE ${name} ADD CONSTRAINT ${name}_month CHECK (ts >= ${start} AND ts < ${to})`);
    await query(`ALTER TABLE events ATTACH PARTITION ${name} FOR VALUES FROM (${start}) TO (${to})`);
    await query(`ALTER TABLE ${name} DROP CONSTRAINT ${name}_month`);
    known.add(name);
    made.push(name);
  }
  return made;
}

/**
 * The months a store newly partitioned keeps apart (see NEW_MONTHS), the current one and the next,
 * and any month after that its events name (`later`: their capture times; a store made before
 * capture times were clamped may hold some). `first`: where `events_older` ends.
 * @param {number} now @param {{ oldest?: number, later?: number[] }} [held]  the capture time of the
 *   store's oldest event, and of events after next month
 */
export function firstMonths(now, { oldest = now, later = [] } = {}) {
  const first = Math.min(monthStart(now, -NEW_MONTHS), Math.max(monthStart(oldest), monthStart(now, -MIGRATED_MONTHS)));
  const starts = [];
  for (let s = first; s <= monthStart(now, 1); s = monthStart(s, 1)) starts.push(s);
  for (const ts of later) starts.push(monthStart(ts));
  return { first, starts };
}
