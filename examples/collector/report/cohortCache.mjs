// The report's cohort cache, for visitor retention (customers.mjs): weekly cohorts of the visitors
// whose first event ever is in the range, and the share of each cohort active in each week after.
// Read from the rollups alone, a 30-day table over ten million events took 5.5–7.9 s on SQLite: the
// range's visitors, each one's first day, then each one's days, all deduplicated. Each visitor has
// one first day, so per site and first day (a cohort day) the cache holds, for each week, how many
// of its members were first active on each day of it: a week's share adds up over a cohort's
// days, and a range that ends mid-week counts the members first active before its end.
//
// Exact, however events arrive: ingest counts, per cohort day, every change of its members and
// every new event of theirs on a past day (rollups.mjs' rollup_cohort_changes, in the transaction
// that stores the events). Events of today (the database's clock) are not counted, as every
// returning visitor brings them: the cache holds its members' days before today (`upto`), once an
// hour has passed since midnight (by then a transaction that stored yesterday's events yesterday
// has long committed; until then, before yesterday), and a query reads the days from upto on live,
// adding a member's week only when the cache has no day of it. A cache built on an earlier day
// (another upto) is built again. Cohorts the cache does not hold (from upto on, and those changed
// since) are read live.
//
// Kept where the day cache is kept (dayCache.mjs): SQLite's report connection's temporary tables,
// PostgreSQL's unlogged tables, each row with the count and `upto` it was built at; a cohort is
// built in one transaction (SQLite) or statement (PostgreSQL), its count read first.
import { cacheTables, join, raw, sql, weekOf } from './sql.mjs';
import { changesPerDay } from '../rollups.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./sql.mjs').Dialect} Dialect */
/** @typedef {{ from: number, to: number, site: string }} Scope */
/** @typedef {import('./dayCache.mjs').Store} Store */

const DAY = 86_400_000;

/** The cache's tables. */
export const COHORT_CACHE_TABLES = ['cohort_cache_marks', 'cohort_cache_weeks'];

/**
 * The cache's tables (as dayCacheSchema's). `upto`: the first day whose activity the rows do not
 * hold; `changes`: the cohort's count of changes (rollup_cohort_changes) they were built at.
 * @param {Dialect} d @returns {string[]}
 */
export function cohortCacheSchema(d) {
  const { table, clustered, int } = cacheTables(d);
  return [
    `${table} cohort_cache_marks (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, upto INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, changes, upto))`,
    // Per cohort day and day: the members whose first day of activity in that day's week it is.
    // Every member is on its first day's row (week 0), so the cohort's size is that row's n.
    `${table} cohort_cache_weeks (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, upto INTEGER NOT NULL,
      active_day INTEGER NOT NULL, n ${int} NOT NULL,
      PRIMARY KEY (write_key, day, changes, upto, active_day))${clustered}`,
  ];
}

/**
 * The first day a cache built at `now` does not hold: today, or yesterday in the first hour
 * after midnight (see above).
 * @param {number} now
 */
export const uptoOf = (now) => Math.floor((now - MIDNIGHT_MARGIN_MS) / DAY);
/** How long after midnight a transaction that stored the day before's events may still commit. */
const MIDNIGHT_MARGIN_MS = 3_600_000;

/** The changes ingest counted per cohort day of a site, from one day to another. */
function changesPerCohort(/** @type {string} */ site, /** @type {number} */ from, /** @type {number} */ to) {
  return changesPerDay('rollup_cohort_changes', site, sql`day >= ${from} AND day < ${to}`);
}

/**
 * Brings the cache of a scope's cohorts up to date: builds every cohort day of the range before
 * `upto` that has members and no current rows. Call before a query that reads the cache.
 *
 * @param {Store} store @param {Scope} r @param {number} [now]  the clock (tests move it)
 * @returns {Promise<number>}  cohort days built
 */
export async function refreshCohortCache(store, r, now = Date.now()) {
  const d = store.dialect;
  const upto = uptoOf(now);
  const from = Math.floor(r.from / DAY);
  const to = Math.min(Math.floor(r.to / DAY), upto);
  if (from >= to) return 0;
  const batch = /** @type {import('../store.mjs').Batch} */ (store.batch);
  // Every time on SQLite: a report worker that restarted has lost its temporary tables.
  if (d === 'sqlite') await batch(cohortCacheSchema(d).map((s) => ({ sql: s })));
  const q = sql`SELECT c.day AS day FROM (${changesPerCohort(r.site, from, to)}) c
    LEFT JOIN cohort_cache_marks m ON m.write_key = ${r.site} AND m.day = c.day AND m.changes = c.changes AND m.upto = ${upto}
    WHERE m.day IS NULL`;
  const days = (await store.all(q.text, q.params)).map((row) => Number(row.day));
  // Inlined in the builds' SQL.
  if (!days.every((day) => Number.isInteger(day))) throw new Error('days must be whole numbers');
  for (let at = 0; at < days.length; at += COHORTS_PER_BUILD) {
    const list = raw(days.slice(at, at + COHORTS_PER_BUILD).join(', '));
    const counts = sql`SELECT ${r.site} AS write_key, day, changes, CAST(${upto} AS INTEGER) AS upto
      FROM (${changesPerDay('rollup_cohort_changes', r.site, sql`day IN (${list})`)}) c`;
    if (d === 'sqlite')
      await batch(
        [
          ...COHORT_CACHE_TABLES.map(
            (t) => sql`DELETE FROM ${raw(t)} WHERE write_key = ${r.site} AND day IN (${list})`,
          ),
          sql`INSERT INTO cohort_cache_marks (write_key, day, changes, upto) ${counts}`,
          sql`INSERT INTO cohort_cache_weeks (write_key, day, changes, upto, active_day, n)
            ${weeksOf(r.site, sql`SELECT day, changes, upto FROM cohort_cache_marks WHERE write_key = ${r.site} AND day IN (${list})`)}`,
        ].map((s) => ({ sql: s.text, params: s.params })),
      );
    else {
      // One statement: its mark goes in first, keyed by the day, count and upto, so a report
      // building the same version at the same time inserts no mark, and so no rows.
      const one = sql`WITH c AS (${counts}),
        ${join(
          COHORT_CACHE_TABLES.map(
            (t, i) =>
              sql`old${raw(String(i))} AS (DELETE FROM ${raw(t)} o USING c WHERE o.write_key = ${r.site} AND o.day = c.day
              AND (o.changes <> c.changes OR o.upto <> c.upto))`,
          ),
          ',\n        ',
        )},
        mark AS (INSERT INTO cohort_cache_marks (write_key, day, changes, upto) SELECT * FROM c
          ON CONFLICT (write_key, day, changes, upto) DO NOTHING RETURNING day, changes, upto),
        w AS (INSERT INTO cohort_cache_weeks (write_key, day, changes, upto, active_day, n) ${weeksOf(r.site, raw('SELECT * FROM mark'))})
        SELECT COUNT(*) AS days FROM mark`;
      await store.all(one.text, one.params);
    }
  }
  return days.length;
}
/** Cohort days built by one transaction. */
const COHORTS_PER_BUILD = 7;

/**
 * The cache's rows of the cohorts of `marks` (day, changes, upto): per cohort day and week, its
 * members counted on the first day of the week they were active, before upto.
 * @param {string} site @param {Sql} marks
 */
function weeksOf(site, marks) {
  return sql`SELECT ${site}, day, changes, upto, active_day, COUNT(*) FROM (
      SELECT mk.day AS day, mk.changes AS changes, mk.upto AS upto, MIN(a.day) AS active_day
      FROM (${marks}) mk
      JOIN rollup_visitor_firsts f ON f.write_key = ${site} AND f.first_day = mk.day
      JOIN rollup_visitors a ON a.write_key = ${site} AND a.anonymous_id = f.anonymous_id AND a.day < mk.upto
      GROUP BY mk.day, mk.changes, mk.upto, f.anonymous_id, ${weekOf('a.day')}) w
    GROUP BY day, changes, upto, active_day`;
}

/**
 * The CTEs of the retention table's cells from the rollups: `cells` (week: the cohort's week,
 * k: the weeks after it, n: members first active in that week, before the end of the range).
 * With `cached` (the cache refreshed for the scope, `now` the clock it was refreshed by): the
 * cached cohorts' rows and their activity from upto on, plus the other cohorts read live;
 * without, every cohort read live.
 *
 * @param {Dialect} d @param {Scope} r @param {boolean} cached @param {number} [now]
 * @returns {Sql}
 */
export function retentionCells(d, r, cached, now = Date.now()) {
  const from = Math.floor(r.from / DAY);
  const to = Math.floor(r.to / DAY);
  const upto = uptoOf(now);
  // PostgreSQL, which cannot tell how few rows the cache leaves to read live, joined them by
  // hashing every visitor row of the site (or probed the days from upto on for every cached member);
  // behind a fence (LATERAL … OFFSET 0) it looks each one up by key.
  const fenced = d === 'postgres' && cached;
  // Each member of a cohort read live: its weeks, at the first day it was active in each.
  const days = sql`SELECT day FROM rollup_visitors a WHERE a.write_key = ${r.site} AND a.anonymous_id = om.anonymous_id AND a.day < ${to}`;
  const live = sql`SELECT om.first_day AS c, MIN(a.day) AS a, 1 AS n FROM om
      ${fenced ? sql`CROSS JOIN LATERAL (${days} OFFSET 0) a` : sql`JOIN rollup_visitors a ON a.write_key = ${r.site} AND a.anonymous_id = om.anonymous_id AND a.day < ${to}`}
      GROUP BY om.first_day, om.anonymous_id, ${weekOf('a.day')}`;
  const members = (/** @type {Sql} */ other) =>
    sql`SELECT anonymous_id, first_day FROM rollup_visitor_firsts WHERE write_key = ${r.site} AND first_day >= ${from} AND first_day < ${to}${other}`;
  const cells = raw(
    `SELECT ${weekOf('c').text} AS week, (${weekOf('a').text} - ${weekOf('c').text}) / 7 AS k, n FROM x`,
  );
  if (!cached) return sql`om AS (${members(raw(''))}), x AS (${live}), cells AS (${cells})`;
  // The visitors active from upto on, with their first day.
  const recent = sql`SELECT anonymous_id, day FROM rollup_visitors WHERE write_key = ${r.site} AND day >= ${upto} AND day < ${to}`;
  const first = sql`SELECT first_day FROM rollup_visitor_firsts f WHERE f.write_key = ${r.site} AND f.anonymous_id = a.anonymous_id`;
  return sql`cchg AS (${changesPerCohort(r.site, from, to)}),
    cvalid AS (SELECT m.day AS day, m.changes AS changes FROM cohort_cache_marks m JOIN cchg ON cchg.day = m.day AND cchg.changes = m.changes
      WHERE m.write_key = ${r.site} AND m.upto = ${upto} AND m.day >= ${from} AND m.day < ${to}),
    om AS (${members(raw(' AND first_day IN (SELECT day FROM cchg WHERE day NOT IN (SELECT day FROM cvalid))'))}),
    x AS (
      SELECT w.day AS c, w.active_day AS a, w.n AS n FROM cohort_cache_weeks w
      JOIN cvalid ON cvalid.day = w.day AND cvalid.changes = w.changes
      WHERE w.write_key = ${r.site} AND w.upto = ${upto} AND w.active_day < ${to}
      UNION ALL
      -- Members of the cached cohorts active from upto on, in a week the cache has no day of.
      SELECT f.first_day, MIN(a.day), 1 FROM (${recent}${raw(fenced ? ' OFFSET 0' : '')}) a
      ${fenced ? sql`CROSS JOIN LATERAL (${first} OFFSET 0) f` : sql`JOIN rollup_visitor_firsts f ON f.write_key = ${r.site} AND f.anonymous_id = a.anonymous_id`}
      -- (+: SQLite otherwise looked each visitor up once per valid cohort day, by first_day in the key.)
      WHERE +f.first_day IN (SELECT day FROM cvalid)
        AND NOT EXISTS (SELECT 1 FROM rollup_visitors b WHERE b.write_key = ${r.site} AND b.anonymous_id = a.anonymous_id
          AND b.day >= ${weekOf('a.day')} AND b.day < ${upto})
      GROUP BY f.first_day, a.anonymous_id, ${weekOf('a.day')}
      UNION ALL
      ${live}),
    cells AS (${cells})`;
}
