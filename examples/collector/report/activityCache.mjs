// The report's activity cache: per site and past day, what the report reads of a day's own rows
// and adds up over the range's days. The pages table's engaged time and scroll depth were a read
// of every page view of the range (rollup_page_views: 3.1 million rows for 30 days over ten
// million events, 0.8 s on SQLite), stickiness a read of every visitor and day (rollup_visitors:
// 1.5 million, 0.24 s), the campaigns table's orders a lookup of every order's session (76,366 at
// ten million events). Per site and day the cache holds, per page, the sums and counts of its page
// views' engaged time and depth; the day's distinct visitors; and the day's orders whose session is
// a one-day campaign session of that day, with the campaign.
//
// Exact, however events arrive. A day's rows in rollup_page_views, rollup_visitors and
// rollup_orders change only when an event of that day is stored, and every stored event adds one
// to its day's count of events (rollup_days, in the transaction that stores it, whenever it
// arrives; RETAIN_DAYS deletes events, never rollups). A one-day session of the day changes only
// through an event of that day or a change counted for its first day (rollup_day_changes, as the
// day cache reads it). A day's version is the sum of both counts, which only grow; its cached
// rows carry the version they were built at, and a query uses them only while the version it
// reads, in its own snapshot, is the same; the other days of the range are read from the rollups.
// A day is built in one transaction (SQLite) or statement (PostgreSQL), which reads its version
// and its rows in one snapshot. Today is never cached.
//
// Kept where the day cache is kept (dayCache.mjs): the SQLite report connection's temporary
// tables, PostgreSQL's unlogged tables.
import { cacheTables, join, raw, sql } from './sql.mjs';
import { changesPerDay } from '../rollups.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./sql.mjs').Dialect} Dialect */
/** @typedef {{ from: number, to: number, site: string }} Scope */
/** @typedef {import('./dayCache.mjs').Store} Store */

const DAY = 86_400_000;

/** The cache's tables. */
export const ACTIVITY_CACHE_TABLES = [
  'activity_cache_marks',
  'activity_cache_pages',
  'activity_cache_orders',
  'activity_cache_periods',
];
/** Its tables of days. */
const DAY_TABLES = ['activity_cache_marks', 'activity_cache_pages', 'activity_cache_orders'];

/**
 * The cache's tables (as dayCacheSchema's). `version`: the day's version (versionPerDay) the
 * rows were built at; a period's `events`: its days' count of events.
 * @param {Dialect} d @returns {string[]}
 */
export function activityCacheSchema(d) {
  const { table, clustered, int, real } = cacheTables(d);
  return [
    // A day cached, and its distinct visitors.
    `${table} activity_cache_marks (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, version ${int} NOT NULL, visitors ${int} NOT NULL,
      PRIMARY KEY (write_key, day, version))`,
    // Per day and page: its page views' engaged time and final depth, summed and counted (as the
    // pages table adds them up per day, metrics.mjs).
    `${table} activity_cache_pages (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, version ${int} NOT NULL, path TEXT NOT NULL,
      engaged_sum ${real}, engaged_n ${int} NOT NULL, depth_sum ${real}, depth_n ${int} NOT NULL,
      PRIMARY KEY (write_key, day, version, path))${clustered}`,
    // The day's orders of its one-day campaign sessions (a landing, with a source, medium or
    // campaign): the campaigns table's orders without a lookup of each order's session.
    `${table} activity_cache_orders (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, version ${int} NOT NULL, order_key TEXT NOT NULL,
      source TEXT, medium TEXT, campaign TEXT, amount ${real},
      PRIMARY KEY (write_key, day, version, order_key))${clustered}`,
    // The distinct visitors of a period of past days (the one before a report's range, for visitor
    // churn), at the period's count of events.
    `${table} activity_cache_periods (
      write_key TEXT NOT NULL, from_day INTEGER NOT NULL, to_day INTEGER NOT NULL, events ${int} NOT NULL, visitors ${int} NOT NULL,
      PRIMARY KEY (write_key, from_day, to_day, events))`,
  ];
}

/**
 * The count of events of a site's days from one day to another: a period's version.
 * @param {string} site @param {number} from @param {number} to
 */
const eventsOfPeriod = (site, from, to) =>
  sql`SELECT COALESCE(SUM(events), 0) FROM rollup_days WHERE write_key = ${site} AND day >= ${from} AND day < ${to}`;

/**
 * The period of a scope's length just before it, in days (visitor churn's).
 * @param {Scope} r
 */
export function previousPeriod(r) {
  const from = Math.floor(r.from / DAY);
  return { from: from - (Math.floor(r.to / DAY) - from), to: from };
}

/**
 * The distinct visitors of the period before a scope's range (previousPeriod) from the cache, as
 * a scalar SQL expression, or `fallback` (evaluated only then) where it holds no current count.
 * @param {Scope} r @param {Sql} fallback @returns {Sql}
 */
export function previousVisitors(r, fallback) {
  const p = previousPeriod(r);
  return sql`COALESCE((SELECT visitors FROM activity_cache_periods WHERE write_key = ${r.site} AND from_day = ${p.from}
      AND to_day = ${p.to} AND events = (${eventsOfPeriod(r.site, p.from, p.to)})), ${fallback})`;
}

/**
 * The version of each day of a site, from one day to another: its count of events (rollup_days)
 * plus its count of changes of the sessions whose first day it is or was (rollup_day_changes). Both
 * only grow, so the sum is the same only while both are.
 * @param {string} site @param {Sql} days  a condition on `day`
 */
const versionPerDay = (site, days) =>
  sql`SELECT e.day AS day, e.events + COALESCE(c.changes, 0) AS version
    FROM (SELECT day, SUM(events) AS events FROM rollup_days WHERE write_key = ${site} AND ${days} GROUP BY day) e
    LEFT JOIN (${changesPerDay('rollup_day_changes', site, days)}) c ON c.day = e.day`;

/**
 * The CTEs a query reads the cache through: `avalid` (the range's days whose cached rows are
 * current: day, version, visitors) and `alive` (its other days with events, to read from the
 * rollups). A cache table's rows of a valid day: `AND (day, version) IN (SELECT day, version FROM avalid)`.
 * @param {Scope} r @returns {Sql}
 */
export function activityCtes(r) {
  const from = Math.floor(r.from / DAY);
  const to = Math.floor(r.to / DAY);
  return sql`aev AS (${versionPerDay(r.site, sql`day >= ${from} AND day < ${to}`)}),
  avalid AS (SELECT m.day AS day, m.version AS version, m.visitors AS visitors FROM activity_cache_marks m
    JOIN aev ON aev.day = m.day AND aev.version = m.version
    WHERE m.write_key = ${r.site} AND m.day >= ${from} AND m.day < ${to}),
  alive AS (SELECT day FROM aev WHERE day NOT IN (SELECT day FROM avalid))`;
}

/**
 * Brings the cache of a scope's range up to date: builds every day before today that has events
 * and no current rows. Call before a query that reads the cache; a day that changes in between is
 * read from the rollups.
 *
 * @param {Store} store @param {Scope} r @param {number} [now]  the clock (tests move it)
 * @returns {Promise<number>}  days built
 */
export async function refreshActivityCache(store, r, now = Date.now()) {
  const d = store.dialect;
  const from = Math.floor(r.from / DAY);
  const to = Math.min(Math.floor(r.to / DAY), Math.floor(now / DAY));
  if (from >= to) return 0;
  const batch = /** @type {import('../store.mjs').Batch} */ (store.batch);
  // Every time on SQLite: a report worker that restarted has lost its temporary tables.
  if (d === 'sqlite') await batch(activityCacheSchema(d).map((s) => ({ sql: s })));
  await refreshPeriod(store, r);
  const q = sql`SELECT c.day AS day FROM (${versionPerDay(r.site, sql`day >= ${from} AND day < ${to}`)}) c
    LEFT JOIN activity_cache_marks m ON m.write_key = ${r.site} AND m.day = c.day AND m.version = c.version
    WHERE m.day IS NULL`;
  const days = (await store.all(q.text, q.params)).map((row) => Number(row.day));
  // Inlined in the builds' SQL.
  if (!days.every((day) => Number.isInteger(day))) throw new Error('days must be whole numbers');
  for (let at = 0; at < days.length; at += DAYS_PER_BUILD) {
    const list = raw(days.slice(at, at + DAYS_PER_BUILD).join(', '));
    // The marks: each day's version, read first, and its distinct visitors.
    const marks = sql`SELECT ${r.site} AS write_key, c.day AS day, c.version AS version,
        (SELECT COUNT(DISTINCT anonymous_id) FROM rollup_visitors v WHERE v.write_key = ${r.site} AND v.day = c.day) AS visitors
      FROM (${versionPerDay(r.site, sql`day IN (${list})`)}) c`;
    const pages = (/** @type {Sql} */ built) =>
      sql`SELECT ${r.site}, m.day, m.version, p.path, SUM(p.engaged), COUNT(p.engaged), SUM(p.depth), COUNT(p.depth)
      FROM (${built}) m JOIN rollup_page_views p ON p.write_key = ${r.site} AND p.day = m.day
      GROUP BY m.day, m.version, p.path`;
    const columns = raw('write_key, day, version, path, engaged_sum, engaged_n, depth_sum, depth_n');
    // An order of the day whose session (its least session id that day) is a one-day session of
    // that day with a landing and a source, medium or campaign, as the campaigns table counts it.
    const orders = (/** @type {Sql} */ built) =>
      sql`SELECT ${r.site}, m.day, m.version, o.order_key, t.source, t.medium, t.campaign, o.amount
      FROM (${built}) m JOIN rollup_orders o ON o.write_key = ${r.site} AND o.day = m.day
      JOIN rollup_session_totals t ON t.write_key = ${r.site} AND t.session_id = o.session_id
      WHERE t.first_day = m.day AND t.last_day = m.day AND t.started = 1
        AND (t.source IS NOT NULL OR t.medium IS NOT NULL OR t.campaign IS NOT NULL)`;
    const orderColumns = raw('write_key, day, version, order_key, source, medium, campaign, amount');
    if (d === 'sqlite')
      await batch(
        [
          ...DAY_TABLES.map((t) => sql`DELETE FROM ${raw(t)} WHERE write_key = ${r.site} AND day IN (${list})`),
          sql`INSERT INTO activity_cache_marks (write_key, day, version, visitors) ${marks}`,
          sql`INSERT INTO activity_cache_pages (${columns})
            ${pages(sql`SELECT day, version FROM activity_cache_marks WHERE write_key = ${r.site} AND day IN (${list})`)}`,
          sql`INSERT INTO activity_cache_orders (${orderColumns})
            ${orders(sql`SELECT day, version FROM activity_cache_marks WHERE write_key = ${r.site} AND day IN (${list})`)}`,
        ].map((s) => ({ sql: s.text, params: s.params })),
      );
    else {
      // One statement: its mark goes in first, keyed by the day and count, so a report building
      // the same version at the same time inserts no mark, and so no rows.
      const one = sql`WITH c AS (${marks}),
        ${join(
          DAY_TABLES.map(
            (t, i) =>
              sql`old${raw(String(i))} AS (DELETE FROM ${raw(t)} o USING c WHERE o.write_key = ${r.site} AND o.day = c.day AND o.version <> c.version)`,
          ),
          ',\n        ',
        )},
        mark AS (INSERT INTO activity_cache_marks (write_key, day, version, visitors) SELECT * FROM c
          ON CONFLICT (write_key, day, version) DO NOTHING RETURNING day, version),
        p AS (INSERT INTO activity_cache_pages (${columns}) ${pages(raw('SELECT day, version FROM mark'))}),
        o AS (INSERT INTO activity_cache_orders (${orderColumns}) ${orders(raw('SELECT day, version FROM mark'))})
        SELECT COUNT(*) AS days FROM mark`;
      await store.all(one.text, one.params);
    }
  }
  return days.length;
}
/** Days built by one transaction. */
const DAYS_PER_BUILD = 7;

/**
 * Counts the distinct visitors of the period before a scope's range, unless the cache holds them
 * at its current count of events: one statement (one snapshot) reads both; older counts of the
 * period go. A report of the same range then reads them (previousVisitors) instead of every
 * visitor of every day of that period.
 * @param {Store} store @param {Scope} r
 */
async function refreshPeriod(store, r) {
  const p = previousPeriod(r);
  if (p.from < 0) return;
  const now = sql`SELECT ${r.site} AS write_key, CAST(${p.from} AS INTEGER) AS from_day, CAST(${p.to} AS INTEGER) AS to_day,
    (${eventsOfPeriod(r.site, p.from, p.to)}) AS events`;
  const held = sql`SELECT 1 AS held FROM (${now}) n JOIN activity_cache_periods c ON c.write_key = n.write_key
    AND c.from_day = n.from_day AND c.to_day = n.to_day AND c.events = n.events`;
  if ((await store.all(held.text, held.params)).length) return;
  const count = sql`INSERT INTO activity_cache_periods (write_key, from_day, to_day, events, visitors)
    SELECT write_key, from_day, to_day, events, (SELECT COUNT(DISTINCT anonymous_id) FROM rollup_visitors
      WHERE write_key = ${r.site} AND day >= ${p.from} AND day < ${p.to}) FROM (${now}) n WHERE true
    ON CONFLICT (write_key, from_day, to_day, events) DO NOTHING`;
  const old = sql`DELETE FROM activity_cache_periods WHERE write_key = ${r.site} AND from_day = ${p.from} AND to_day = ${p.to}
    AND events <> (${eventsOfPeriod(r.site, p.from, p.to)})`;
  if (store.dialect === 'sqlite')
    await /** @type {import('../store.mjs').Batch} */ (store.batch)(
      [old, count].map((s) => ({ sql: s.text, params: s.params })),
    );
  else {
    await store.all(old.text, old.params);
    await store.all(count.text, count.params);
  }
}

/**
 * A rollup table's rows of the scope's days the cache does not hold (activityCtes' `alive`), as a
 * FROM item `t` with the table's columns (on PostgreSQL beside `alive`'s `day`). PostgreSQL, which
 * cannot tell how few those days are, hashed them against a scan of every row of the table (0.5 s
 * of the pages table at 10M events); it reads them day by day, fenced.
 * @param {Dialect} d @param {Scope} r @param {string} table  keyed by (write_key, day, …)
 * @returns {Sql}
 */
export function liveDays(d, r, table) {
  return d === 'postgres'
    ? sql`alive CROSS JOIN LATERAL (SELECT * FROM ${raw(table)} WHERE write_key = ${r.site} AND day = alive.day OFFSET 0) t`
    : sql`${raw(table)} t WHERE t.write_key = ${r.site} AND t.day IN (SELECT day FROM alive)`;
}
