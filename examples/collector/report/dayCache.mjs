// The report's day cache. A range's session numbers (the summary's, landing pages, referrers,
// campaigns, the funnel, sessions per day) read one row per session of the range from rollup_session_totals:
// 1.4 million rows for 30 days of a shop with ten million events, per query. Most sessions begin
// and end on one UTC day, and a past day's sessions rarely change; so per site and day the cache
// holds the aggregates of that day's one-day sessions, grouped by what the tables group by, and
// their values for the medians. A report adds up the cached days and reads only the rest row by
// row: the sessions of several days (a few in a hundred), and the days the cache does not hold or
// holds an old version of (today's, a day a late event changed).
//
// Exact, however events arrive: ingest counts, per day, every change of a session whose first day
// it is or was (rollup_day_changes, in the transaction that stores the events); a day's cached
// rows carry the count they were built at, and a query uses them only where the count it reads
// is the same, in the same snapshot as the rest it reads. A day is built in one transaction
// (SQLite) or statement (PostgreSQL), which reads its count and its sessions in one snapshot.
//
// SQLite: temporary tables of the report's own connection (the worker's, reader.mjs; written
// with the read-only file untouched, so ingest never waits for the cache), lost and built again
// when the worker restarts. PostgreSQL: unlogged tables (a cache: emptied by a crash), every row
// with the count it was built at, so versions of a day side by side never mix; a day is built
// by one statement, and two reports building it at once leave one copy (its mark is the key).
import { BOUNCE_ENGAGED_MS } from './facts.mjs';
import { cacheTables, hostOf, join, raw, sql } from './sql.mjs';
import { bucketOf, changesPerDay } from '../rollups.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./sql.mjs').Dialect} Dialect */
/** @typedef {{ from: number, to: number, site: string }} Scope */
/** @typedef {{ dialect: Dialect, all: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>, batch?: import('../store.mjs').Batch }} Store */

const DAY = 86_400_000;

/**
 * Whether the store's connection keeps a day cache: SQLite's, which writes it with `batch`, and
 * PostgreSQL's, whose tables the store makes (DAY_CACHE_TABLES).
 * @param {Store} store
 */
export const usesDayCache = (store) => (store.dialect === 'sqlite' ? typeof store.batch === 'function' : true);

/** The cache's tables. */
export const DAY_CACHE_TABLES = [
  'day_cache_marks',
  'day_cache_groups',
  'day_cache_buckets',
  'day_cache_values',
  'day_cache_visitors',
];

/**
 * The cache's tables: on SQLite in the connection's temporary schema (gone when it closes), on
 * PostgreSQL unlogged. `changes`: the count of changes of the day (rollup_day_changes) the row
 * was built at.
 * @param {Dialect} d @returns {string[]}
 */
export function dayCacheSchema(d) {
  const { table, clustered, int, real } = cacheTables(d);
  return [
    // A day cached, and its one-day sessions' distinct visitors.
    `${table} day_cache_marks (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, visitors ${int} NOT NULL,
      PRIMARY KEY (write_key, day, changes))`,
    // Per day and what the tables group sessions by: counts and sums.
    `${table} day_cache_groups (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, has_land INTEGER, landing_path TEXT, referrer_host TEXT,
      source TEXT, medium TEXT, campaign TEXT,
      ${GROUP_COLUMNS.map(([c]) => `${c} ${c === 'engaged_sum' ? real : int} NOT NULL`).join(', ')})`,
    `CREATE INDEX IF NOT EXISTS ${d === 'sqlite' ? 'temp.' : ''}day_cache_groups_day ON day_cache_groups (write_key, day, changes)`,
    // The medians: per metric and bucket (rollups.mjs' bucketOf) the count of values a day has,
    // and the values themselves, each with its count, in order within their bucket.
    `${table} day_cache_buckets (
      write_key TEXT NOT NULL, metric TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, bucket INTEGER NOT NULL, n ${int} NOT NULL,
      PRIMARY KEY (write_key, metric, day, changes, bucket))${clustered}`,
    `${table} day_cache_values (
      write_key TEXT NOT NULL, metric TEXT NOT NULL, bucket INTEGER NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL,
      v ${real} NOT NULL, n ${int} NOT NULL,
      PRIMARY KEY (write_key, metric, bucket, day, changes, v))${clustered}`,
    // Sessions per day counts distinct visitors: a visitor of a day's one-day sessions is looked up
    // here for each of the day's other sessions.
    `${table} day_cache_visitors (
      write_key TEXT NOT NULL, day INTEGER NOT NULL, changes ${int} NOT NULL, anonymous_id TEXT NOT NULL,
      PRIMARY KEY (write_key, day, changes, anonymous_id))${clustered}`,
  ];
}

/** The medians the cache serves: the summary's, over sessions, of these columns. */
export const MEDIANS = /** @type {const} */ ({ duration: 'duration_ms', engaged: 'engaged_ms' });

/**
 * A row of rollup_session_totals as the report's `sess` has it (metrics.mjs): the columns, with
 * `started`, `duration_ms` and `has_land` named as there.
 */
export const SESSION_ROW = `session_id, anonymous_id, session_index, first_ts AS started, last_ts - first_ts AS duration_ms, pageviews,
      engaged_ms, key_event, cart, checkout, ordered, viewed, added, checkout_step,
      started AS has_land, landing_path, referrer, source, medium, campaign`;

/** Whether a session is a bounce, over SESSION_ROW's names. */
export const BOUNCED = `CASE WHEN pageviews <= 1 AND engaged_ms < ${BOUNCE_ENGAGED_MS} AND key_event = 0 THEN 1 ELSE 0 END`;

/**
 * The referring host a table shows for a session's referrer ('(direct)' without one).
 * @param {Dialect} d @param {string} column
 */
export const referrerHost = (d, column) => sql`COALESCE(NULLIF(${hostOf(d, column)}, ''), '(direct)')`;

/**
 * The funnel's steps of one session, over SESSION_ROW's names: each reached with every step
 * before it (metrics.mjs' funnel defines them).
 * @type {Array<[string, string]>}
 */
const FUNNEL = [
  ['viewed', 'viewed'],
  ['f_added', 'viewed * added'],
  ['f_checkout', 'viewed * added * checkout'],
  ['f_step1', 'CASE WHEN checkout_step >= 1 THEN viewed * added * checkout ELSE 0 END'],
  ['f_step2', 'CASE WHEN checkout_step >= 2 THEN viewed * added * checkout ELSE 0 END'],
  ['f_step3', 'CASE WHEN checkout_step >= 3 THEN viewed * added * checkout ELSE 0 END'],
  ['f_step4', 'CASE WHEN checkout_step >= 4 THEN viewed * added * checkout ELSE 0 END'],
  ['f_ordered', 'viewed * added * checkout * ordered'],
];

/** The funnel's columns of a group, in step order. */
export const FUNNEL_COLUMNS = FUNNEL.map(([c]) => c);

/**
 * The groups' counts and sums, each as its value for one session (over SESSION_ROW's names plus
 * `bounced`): a group's is their sum, and a session a query reads one by one is a group of one.
 * @type {Array<[string, string]>}
 */
export const GROUP_COLUMNS = [
  ['sessions', '1'],
  ['bounces', 'bounced'],
  ['pageviews', 'pageviews'],
  ['duration_sum', 'duration_ms'],
  ['engaged_sum', 'engaged_ms'],
  ['converted', 'ordered'],
  ['cart_sessions', 'cart'],
  ['abandoned', 'CASE WHEN cart = 1 AND ordered = 0 THEN 1 ELSE 0 END'],
  ...FUNNEL,
];

/**
 * The changes ingest counted per day of a scope's range (rollups.mjs' rollup_day_changes).
 * @param {Scope} r @returns {Sql}
 */
function changesOfRange(r) {
  return changesPerDay(
    'rollup_day_changes',
    r.site,
    sql`day >= ${Math.floor(r.from / DAY)} AND day < ${Math.floor(r.to / DAY)}`,
  );
}

/**
 * The CTEs a query reads the cache through: `valid` (the range's days whose cached rows are
 * current, as this query's snapshot sees the changes: their day and count), `stale` (the range's
 * other days with sessions) and `cg` (the valid days' groups). A cache table's rows of a valid day:
 * `AND ${CURRENT}`.
 *
 * @param {Scope} r @returns {Sql}
 */
export function cacheCtes(r) {
  return sql`chg AS (${changesOfRange(r)}),
  valid AS (SELECT m.day AS day, m.changes AS changes, m.visitors AS visitors FROM day_cache_marks m
    JOIN chg ON chg.day = m.day AND chg.changes = m.changes
    WHERE m.write_key = ${r.site} AND m.day >= ${Math.floor(r.from / DAY)} AND m.day < ${Math.floor(r.to / DAY)}),
  stale AS (SELECT day FROM chg WHERE day NOT IN (SELECT day FROM valid)),
  cg AS (SELECT * FROM day_cache_groups WHERE write_key = ${r.site} AND ${raw(CURRENT)})`;
}
/** A cache table's rows of a valid day and version (with `write_key` compared apart). */
export const CURRENT = '(day, changes) IN (SELECT day, changes FROM valid)';

/**
 * Brings the cache of a scope's range up to date: builds every day that has sessions and no
 * current rows, except today's (which changes with every request; its sessions are read one by
 * one). Call before a query that reads the cache; a day that changes in between is read as stale.
 *
 * @param {Store} store @param {Scope} r @param {number} [now]
 */
export async function refreshDayCache(store, r, now = Date.now()) {
  const d = store.dialect;
  // Every time on SQLite: a report worker that restarted has lost its temporary tables.
  if (d === 'sqlite')
    await /** @type {import('../store.mjs').Batch} */ (store.batch)(dayCacheSchema(d).map((s) => ({ sql: s })));
  const q = sql`SELECT c.day AS day FROM (${changesOfRange(r)}) c
    LEFT JOIN day_cache_marks m ON m.write_key = ${r.site} AND m.day = c.day AND m.changes = c.changes
    WHERE m.day IS NULL AND c.day < ${Math.floor(now / DAY)}`;
  const days = (await store.all(q.text, q.params)).map((row) => Number(row.day));
  // Inlined in the builds' SQL.
  if (!days.every((day) => Number.isInteger(day))) throw new Error('days must be whole numbers');
  // A few days at a time: each a transaction (or statement) well within the report's time limit,
  // which counts per request (a month of ten million events, cold, took 26 s at once on SQLite).
  for (let at = 0; at < days.length; at += DAYS_PER_BUILD) {
    const some = days.slice(at, at + DAYS_PER_BUILD);
    if (d === 'sqlite')
      await /** @type {import('../store.mjs').Batch} */ (store.batch)(
        buildDays(d, r.site, some).map((s) => ({ sql: s.text, params: s.params })),
      );
    else {
      const one = buildDaysPostgres(r.site, some);
      await store.all(one.text, one.params);
    }
  }
  return days.length;
}
/** Days built by one transaction. */
const DAYS_PER_BUILD = 4;

/**
 * The statements that (re)build the cache of a site's days, in one transaction: the count of
 * changes is read first, so the rows are of that version or later.
 *
 * @param {Dialect} d @param {string} site @param {number[]} days @returns {Sql[]}
 */
function buildDays(d, site, days) {
  const list = raw(days.join(', '));
  const parts = buildParts(
    d,
    site,
    sql`SELECT day, changes FROM day_cache_marks WHERE write_key = ${site} AND day IN (${list})`,
  );
  return [
    ...DAY_CACHE_TABLES.map((t) => sql`DELETE FROM ${raw(t)} WHERE write_key = ${site} AND day IN (${list})`),
    sql`INSERT INTO day_cache_marks (write_key, day, changes, visitors) ${marksOf(site, list)}`,
    sql`INSERT INTO day_cache_groups (${parts.groups.columns}) ${parts.groups.select}`,
    sql`INSERT INTO day_cache_values (${parts.values.columns}) ${parts.values.select}`,
    sql`INSERT INTO day_cache_buckets (write_key, metric, day, changes, bucket, n)
      SELECT write_key, metric, day, changes, bucket, SUM(n) FROM day_cache_values WHERE write_key = ${site} AND day IN (${list})
      GROUP BY write_key, metric, day, changes, bucket`,
    sql`INSERT INTO day_cache_visitors (${parts.visitors.columns}) ${parts.visitors.select}`,
  ];
}

/**
 * A site's days' marks: their count of changes, read first, and their one-day sessions' visitors.
 * @param {string} site @param {Sql} list @returns {Sql}
 */
function marksOf(site, list) {
  return sql`SELECT ${site}, c.day, c.changes, (SELECT COUNT(DISTINCT anonymous_id) FROM rollup_session_totals
      WHERE write_key = ${site} AND first_day = c.day AND last_day = c.day)
    FROM (${changesPerDay('rollup_day_changes', site, sql`day IN (${list})`)}) c`;
}

/**
 * The rows of the cache's tables for the days of `marks` (a relation of day and changes): the
 * groups, the values and the visitors of their one-day sessions.
 * @param {Dialect} d @param {string} site @param {Sql} marks
 */
function buildParts(d, site, marks) {
  const { real } = cacheTables(d);
  const sessions = sql`SELECT mk.day AS day, mk.changes AS changes, ${raw(SESSION_ROW)}, ${referrerHost(d, 'referrer')} AS referrer_host
    FROM (${marks}) mk CROSS JOIN rollup_session_totals
    WHERE write_key = ${site} AND first_day = mk.day AND last_day = first_day`;
  const rows = sql`SELECT s.*, ${raw(BOUNCED)} AS bounced FROM (${sessions}) s`;
  const values = join(
    Object.entries(MEDIANS).map(
      ([metric, column]) =>
        sql`SELECT '${raw(metric)}' AS metric, day, changes, CAST(${raw(column)} AS ${raw(real)}) AS v FROM (${sessions}) s WHERE ${raw(column)} IS NOT NULL`,
    ),
    ' UNION ALL ',
  );
  const keys = 'day, changes, has_land, landing_path, referrer_host, source, medium, campaign';
  return {
    groups: {
      columns: raw(`write_key, ${keys}, ${GROUP_COLUMNS.map(([c]) => c).join(', ')}`),
      select: sql`SELECT ${site}, ${raw(keys)}, ${raw(GROUP_COLUMNS.map(([, e]) => `SUM(${e})`).join(', '))} FROM (${rows}) g GROUP BY ${raw(keys)}`,
    },
    values: {
      columns: raw('write_key, metric, bucket, day, changes, v, n'),
      select: sql`SELECT ${site}, metric, ${raw(bucketOf('v'))}, day, changes, v, COUNT(*) FROM (${values}) x GROUP BY metric, day, changes, v`,
    },
    visitors: {
      columns: raw('write_key, day, changes, anonymous_id'),
      select: sql`SELECT DISTINCT ${site}, day, changes, anonymous_id FROM (${sessions}) s WHERE anonymous_id IS NOT NULL`,
    },
  };
}

/**
 * PostgreSQL's build of a site's days: one statement (one snapshot, all or nothing). Its mark goes
 * in first, keyed by the day and count: a report building the same version at the same time waits
 * for it, inserts no mark, and so no rows. Older versions of the days go.
 * @param {string} site @param {number[]} days @returns {Sql}
 */
function buildDaysPostgres(site, days) {
  const list = raw(days.join(', '));
  const parts = buildParts('postgres', site, raw('SELECT day, changes FROM mark'));
  return sql`WITH c AS (${changesPerDay('rollup_day_changes', site, sql`day IN (${list})`)}),
    ${join(
      DAY_CACHE_TABLES.map(
        (t, i) =>
          sql`old${raw(String(i))} AS (DELETE FROM ${raw(t)} o USING c WHERE o.write_key = ${site} AND o.day = c.day AND o.changes <> c.changes)`,
      ),
      ',\n    ',
    )},
    mark AS (INSERT INTO day_cache_marks (write_key, day, changes, visitors) ${marksOf(site, list)}
      ON CONFLICT (write_key, day, changes) DO NOTHING RETURNING day, changes),
    g AS (INSERT INTO day_cache_groups (${parts.groups.columns}) ${parts.groups.select}),
    vals AS (INSERT INTO day_cache_values (${parts.values.columns}) ${parts.values.select} RETURNING metric, day, changes, bucket, n),
    b AS (INSERT INTO day_cache_buckets (write_key, metric, day, changes, bucket, n)
      SELECT ${site}, metric, day, changes, bucket, SUM(n) FROM vals GROUP BY metric, day, changes, bucket),
    vis AS (INSERT INTO day_cache_visitors (${parts.visitors.columns}) ${parts.visitors.select})
    SELECT COUNT(*) AS days FROM mark`;
}

/**
 * The summary's medians (MEDIANS) over a scope's sessions: the cached days' values and those of
 * the sessions `base` reads one by one (its `sess_live`), exactly as the report's percentile over
 * every session gives them (sql.mjs' percentile: position 0.5·(n−1), 0-based, interpolated as
 * each database does). The bucket counts tell which bucket holds the two ranks; only its values are read.
 *
 * @param {Store} store @param {Scope} r @param {Sql} base  the report's CTEs, with the cache's
 * @returns {Promise<Record<keyof typeof MEDIANS, number | null>>}
 */
export async function cachedMedians(store, r, base) {
  const real = store.dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION';
  const live = (/** @type {string} */ metric, /** @type {string} */ column) =>
    raw(`SELECT '${metric}' AS metric, ${bucketOf(`CAST(${column} AS ${real})`)} AS bucket
      FROM sess_live WHERE ${column} IS NOT NULL`);
  const entries = Object.entries(MEDIANS);
  const counts = sql`WITH ${base}, lv AS (${join(
    entries.map(([m, c]) => live(m, c)),
    ' UNION ALL ',
  )})
    SELECT metric, bucket, SUM(n) AS n FROM (
      SELECT metric, bucket, n FROM day_cache_buckets WHERE write_key = ${r.site} AND ${raw(CURRENT)}
      UNION ALL SELECT metric, bucket, COUNT(*) FROM lv GROUP BY metric, bucket) x
    GROUP BY metric, bucket ORDER BY metric, bucket`;
  /** @type {Map<string, { bucket: number, n: number }[]>} */
  const buckets = new Map(entries.map(([m]) => [m, []]));
  for (const row of await store.all(counts.text, counts.params))
    buckets.get(String(row.metric))?.push({ bucket: Number(row.bucket), n: Number(row.n) });
  /** @type {Array<{ metric: string, column: string, bucket: number, ranks: number[] }>} */
  const reads = [];
  /** @type {Map<string, { n: number, pos: number, lo: number, found: number[] }>} */
  const at = new Map();
  for (const [metric, column] of entries) {
    const list = /** @type {{ bucket: number, n: number }[]} */ (buckets.get(metric));
    const n = list.reduce((t, b) => t + b.n, 0);
    if (!n) continue;
    const pos = 0.5 * (n - 1);
    const lo = Math.trunc(pos);
    at.set(metric, { n, pos, lo, found: [] });
    // The buckets of ranks lo and lo + 1 (one or two), and the ranks' places in them.
    let before = 0;
    for (const b of list) {
      const wanted = [lo, lo + 1].filter((k) => k < n && k >= before && k < before + b.n).map((k) => k - before);
      if (wanted.length) reads.push({ metric, column, bucket: b.bucket, ranks: wanted });
      before += b.n;
    }
  }
  if (reads.length) {
    const q = sql`WITH ${base}
      ${join(
        reads.map(
          (rd, k) => sql`SELECT ${raw(String(k))} AS k, v, SUM(n) AS n FROM (
            SELECT v, n FROM day_cache_values WHERE write_key = ${r.site} AND metric = ${rd.metric} AND bucket = ${rd.bucket}
              AND ${raw(CURRENT)}
            UNION ALL SELECT CAST(${raw(rd.column)} AS ${raw(real)}), 1 FROM sess_live
              WHERE ${raw(rd.column)} IS NOT NULL AND ${raw(bucketOf(`CAST(${rd.column} AS ${real})`))} = ${rd.bucket}) x${raw(String(k))}
            GROUP BY v`,
        ),
        ' UNION ALL ',
      )}
      ORDER BY k, v`;
    /** @type {Map<number, { v: number, n: number }[]>} */
    const values = new Map();
    for (const row of await store.all(q.text, q.params)) {
      const k = Number(row.k);
      if (!values.has(k)) values.set(k, []);
      values.get(k)?.push({ v: Number(row.v), n: Number(row.n) });
    }
    reads.forEach((rd, k) => {
      const list = values.get(k) ?? [];
      for (const rank of rd.ranks) {
        let seen = 0;
        const hit = list.find((x) => (seen += x.n) > rank);
        if (hit) at.get(rd.metric)?.found.push(hit.v);
      }
    });
  }
  /** @type {Record<string, number | null>} */
  const out = {};
  for (const [metric] of entries) {
    const m = at.get(metric);
    if (!m || !m.found.length) {
      out[metric] = null;
      continue;
    }
    const f = m.pos - m.lo;
    const [vlo, vhi] = m.found;
    // As each database computes it: PostgreSQL's percentile_cont, SQLite's form in sql.mjs
    // (MIN(v) * (1 - f) + the second value, or 0, * f).
    out[metric] =
      store.dialect === 'postgres'
        ? vhi === undefined || f === 0
          ? vlo
          : vlo + (vhi - vlo) * f
        : vlo * (1 - f) + (m.n > 1 ? vhi : 0) * f;
  }
  return /** @type {Record<keyof typeof MEDIANS, number | null>} */ (out);
}
