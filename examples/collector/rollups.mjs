// The rollups the report reads instead of the raw events: per session and UTC day, per order and
// day, per visitor, day and session, per visitor (its first day), and per day; each per write key (a site), its first key
// column, so the sessions, visitors and orders of two sites never merge even when their ids are
// the same, and one site's range is read in key order. They are updated in the transaction that stores
// the events, from the events that transaction newly stored (so a duplicate or a retry changes
// nothing), with aggregates that combine in any order (min, max, sum), so events arriving late or
// out of order give the same rows. The report (report/metrics.mjs) combines the rows of a range's
// days into exactly the numbers it computes from the events.
import { facts, formEventsOf } from './report/facts.mjs';
import { dayOf, join, raw, sql } from './report/sql.mjs';

/** @typedef {import('./report/sql.mjs').Dialect} Dialect @typedef {import('./report/sql.mjs').Sql} Sql */

/** Bumped when the rollups change: a store with an older version rebuilds them from the events. */
export const ROLLUP_VERSION = 8;

/** The rollup tables, for a rebuild. */
export const ROLLUP_TABLES = [
  'rollup_sessions',
  'rollup_session_totals',
  'rollup_orders',
  'rollup_visitors',
  'rollup_days',
  'rollup_page_visitors',
  'rollup_page_days',
  'rollup_page_visitor_lasts',
  'rollup_order_events',
  'rollup_identities',
  'rollup_form_days',
  'rollup_form_fields',
  'rollup_page_views',
  'rollup_vital_days',
  'rollup_vital_buckets',
  'rollup_vital_values',
  'rollup_day_changes',
  'rollup_visitor_firsts',
  'rollup_cohort_changes',
];
/** Tables of older versions, dropped by a rebuild. */
const OLD_TABLES = ['rollup_vitals'];

/** The Web Vitals metrics, one column each in the report. */
export const VITALS = /** @type {const} */ (['lcp', 'inp', 'cls', 'fcp', 'ttfb']);
/**
 * The bucket of a Web Vitals value, for the report to find a rank without sorting every value:
 * BUCKETS_PER_E per factor e of the value (2.5 % wide), every value ≤ 0 in one bucket below the
 * others. Buckets only locate a rank: the value the report gives is the exact one, read from
 * rollup_vital_values (the report's percentile is the one it computes from the events).
 */
export const BUCKETS_PER_E = 40;
/** The bucket of a value as SQL. @param {string} v  a SQL expression, not NULL */
export const bucketOf = (v) =>
  `(CASE WHEN ${v} > 0 THEN CAST(floor(ln(${v}) * ${BUCKETS_PER_E}) AS INTEGER) ELSE -100000 END)`;

/**
 * The table of the rollups' version. Made and read before the others: a store of an older version
 * has its tables rebuilt (rollupRebuild) before any of this version's indexes is made, as those
 * may name columns its tables lack.
 */
export const ROLLUP_META = 'CREATE TABLE IF NOT EXISTS rollup_meta (version INTEGER NOT NULL)';

/**
 * A table of counts of changes per site and day (rollup_day_changes, rollup_cohort_changes), each
 * row one shard's count: its sum over the shards is the day's count (changesPerDay).
 * @param {string} name
 */
const changesTable = (name) => `CREATE TABLE IF NOT EXISTS ${name} (
      write_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      shard INTEGER NOT NULL,
      changes BIGINT NOT NULL,
      PRIMARY KEY (write_key, day, shard)
    )`;

/**
 * Per day, a site's count of changes in a table of changesTable's: the sum over its shards.
 * @param {'rollup_day_changes' | 'rollup_cohort_changes'} table @param {string} site
 * @param {Sql} days  a condition on `day`
 * @returns {Sql}
 */
export function changesPerDay(table, site, days) {
  return sql`SELECT day, SUM(changes) AS changes FROM ${raw(table)} WHERE write_key = ${site} AND ${days} GROUP BY day`;
}

/** @param {Dialect} d @returns {string[]} */
export function rollupSchema(d) {
  const real = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  // SQLite keeps these tables in the order of their key (the write key, then the day where the
  // report reads a range of days), so a site's range is read in order, not row by row all over
  // the file; and each is one b-tree instead of a table, its key's index and its day's index to
  // write at ingest.
  const clustered = d === 'sqlite' ? ' WITHOUT ROWID' : '';
  /**
   * The keys of a table kept in order of first day (`id`: a session's or a visitor's): SQLite's
   * table is its key (first day, then id) with a unique index on the id. PostgreSQL's key is the
   * id, with an index on first day: of two statements adding the same new session at once, the
   * second waits only on ON CONFLICT's own index (the arbiter); any other unique index made it
   * fail with a duplicate key instead (seen under bench:collector: "duplicate key value violates
   * unique constraint rollup_visitor_firsts_pkey").
   * @param {string} id
   */
  const byFirstDay = (id) =>
    d === 'sqlite'
      ? `PRIMARY KEY (write_key, first_day, ${id}),\n      UNIQUE (write_key, ${id})`
      : `PRIMARY KEY (write_key, ${id})`;
  return [
    `CREATE TABLE IF NOT EXISTS rollup_sessions (
      write_key TEXT NOT NULL,
      session_id TEXT NOT NULL,
      day INTEGER NOT NULL,
      anonymous_id TEXT,
      session_index INTEGER,
      first_ts BIGINT NOT NULL,
      last_ts BIGINT NOT NULL,
      pageviews INTEGER NOT NULL,
      engaged_ms ${real} NOT NULL,
      key_event INTEGER NOT NULL,
      cart INTEGER NOT NULL,
      viewed INTEGER NOT NULL,
      added INTEGER NOT NULL,
      checkout_step INTEGER NOT NULL,
      checkout INTEGER NOT NULL,
      ordered INTEGER NOT NULL,
      started INTEGER NOT NULL,
      landing_path TEXT,
      referrer TEXT,
      source TEXT,
      medium TEXT,
      campaign TEXT,
      PRIMARY KEY (write_key, session_id, day)
    )${clustered}`,
    // The same per session over all its days, with its first and last day: a range that holds
    // all of a session's days reads its row as it is, without regrouping its days; only the
    // sessions that cross one of the range's ends (found in the partial index of the sessions
    // spanning several days, a few in a hundred) are regrouped from rollup_sessions.
    // Kept in order of first day (a session's row moves in the rare case an earlier event arrives).
    `CREATE TABLE IF NOT EXISTS rollup_session_totals (
      write_key TEXT NOT NULL,
      session_id TEXT NOT NULL,
      first_day INTEGER NOT NULL,
      last_day INTEGER NOT NULL,
      ${SESSION_COLUMNS.map(([c, type]) => `${c} ${type === 'real' ? real : type.toUpperCase()}${c === 'session_index' || SESSION_NULLABLE.includes(c) ? '' : ' NOT NULL'}`).join(',\n      ')},
      ${d === 'postgres' ? 'prev_first_day INTEGER,\n      ' : ''}${byFirstDay('session_id')}
    )${clustered}`,
    ...firstDayIndex(d, 'rollup_session_totals', 'session_id'),
    'CREATE INDEX IF NOT EXISTS rollup_session_totals_span ON rollup_session_totals (write_key, last_day) WHERE first_day < last_day',
    `CREATE TABLE IF NOT EXISTS rollup_orders (
      write_key TEXT NOT NULL,
      order_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      amount ${real},
      currency TEXT,
      session_id TEXT,
      PRIMARY KEY (write_key, day, order_key)
    )${clustered}`,
    // session_key: '' for events without a session, '#' + the id otherwise (a key column cannot be NULL).
    `CREATE TABLE IF NOT EXISTS rollup_visitors (
      write_key TEXT NOT NULL,
      anonymous_id TEXT NOT NULL,
      day INTEGER NOT NULL,
      session_key TEXT NOT NULL,
      session_index INTEGER,
      PRIMARY KEY (write_key, anonymous_id, day, session_key)
    )${clustered}`,
    // Holds every column: a range's visitors are read from it in order, not row by row from the table.
    'CREATE INDEX IF NOT EXISTS rollup_visitors_day ON rollup_visitors (write_key, day, anonymous_id, session_key, session_index)',
    // shard: every ingest updates today's row; on PostgreSQL each connection has its own row
    // (its backend pid mod 16), so concurrent transactions do not queue behind one row lock.
    // events: every event of the site that day, which makes it the list of sites (report/sites.mjs).
    `CREATE TABLE IF NOT EXISTS rollup_days (
      write_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      shard INTEGER NOT NULL,
      events INTEGER NOT NULL,
      pageviews INTEGER NOT NULL,
      cart_starts INTEGER NOT NULL,
      checkout_starts INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, shard)
    )`,
    // Per site and day, a count that grows whenever a session whose first day it is (or was)
    // changes: the report's day cache (report/dayCache.mjs) holds a day's session aggregates with
    // the count it saw, and reads them only while the count is the same. Sharded as rollup_days.
    changesTable('rollup_day_changes'),
    // Per visitor, the first day it was seen: the weekly retention cohorts (report/customers.mjs)
    // are read in order of it, and a range's returning visitors are those whose first day is before
    // it. Kept in order of first day, as the session totals are.
    // Its span too (VISITOR_SPAN): for a range that reaches every visitor's last day (the
    // dashboard's, which end today) its visitors are those whose last day is in it, counted in the
    // index on last day, and its returning ones those who were seen before it or whose sessions in
    // it (then all of theirs) are several or not their first.
    `CREATE TABLE IF NOT EXISTS rollup_visitor_firsts (
      write_key TEXT NOT NULL,
      anonymous_id TEXT NOT NULL,
      first_day INTEGER NOT NULL,
      ${d === 'postgres' ? 'prev_first_day INTEGER,\n      ' : ''}${VISITOR_SPAN.map(([c, type]) => `${c} ${type}${c === 'last_day' ? ' NOT NULL' : ''}`).join(',\n      ')},
      ${byFirstDay('anonymous_id')}
    )${clustered}`,
    ...firstDayIndex(d, 'rollup_visitor_firsts', 'anonymous_id'),
    'CREATE INDEX IF NOT EXISTS rollup_visitor_firsts_last ON rollup_visitor_firsts (write_key, last_day, first_day)',
    // Per site and first day (a retention cohort), a count that grows when the cohort's members
    // change or one of them has new events on a past day (not today's, which every returning
    // visitor brings): the report's cohort cache (report/cohortCache.mjs) holds a cohort's weeks
    // with the count it saw. Sharded as rollup_days.
    changesTable('rollup_cohort_changes'),
    // Per page and visitor (by day): read in that order, a page's distinct visitors are counted
    // without sorting them (the days of a range are picked out as the rows go by).
    `CREATE TABLE IF NOT EXISTS rollup_page_visitors (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      day INTEGER NOT NULL,
      anon_key TEXT NOT NULL,
      pageviews INTEGER NOT NULL,
      PRIMARY KEY (write_key, path, anon_key, day)
    )${clustered}`,
    // Per page and day its page views, sharded as rollup_days: a range's page views per page
    // without reading a row per visitor and day.
    `CREATE TABLE IF NOT EXISTS rollup_page_days (
      write_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      path TEXT NOT NULL,
      shard INTEGER NOT NULL,
      pageviews INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, path, shard)
    )${clustered}`,
    // Per page and visitor, the last day the visitor viewed it: for a range that reaches every
    // visitor's last day, a page's visitors are those whose last day on it is in the range,
    // counted in the index on (page, last day).
    `CREATE TABLE IF NOT EXISTS rollup_page_visitor_lasts (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      anonymous_id TEXT NOT NULL,
      last_day INTEGER NOT NULL,
      PRIMARY KEY (write_key, path, anonymous_id)
    )${clustered}`,
    'CREATE INDEX IF NOT EXISTS rollup_page_visitor_lasts_day ON rollup_page_visitor_lasts (write_key, path, last_day)',
    // Per form and day (sharded as rollup_days), its events' counts and submit times; per form,
    // last field and day, its abandons: the forms tables without the events (facts.mjs' formEventsOf).
    `CREATE TABLE IF NOT EXISTS rollup_form_days (
      write_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      form TEXT NOT NULL,
      shard INTEGER NOT NULL,
      started INTEGER NOT NULL,
      submitted INTEGER NOT NULL,
      abandoned INTEGER NOT NULL,
      submit_ms_sum ${real},
      submit_ms_n INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, form, shard)
    )${clustered}`,
    `CREATE TABLE IF NOT EXISTS rollup_form_fields (
      write_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      form TEXT NOT NULL,
      field TEXT NOT NULL,
      shard INTEGER NOT NULL,
      abandons INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, form, field, shard)
    )${clustered}`,
    // The customers' orders (report/customers.mjs) without the events: every Order Completed, and
    // per visitor the user its latest identify() named (latest by time, then message id, as the
    // report's lookup in the events orders them). For a range that reaches every visitor's last
    // day, an order's customer is its user, else its visitor's identity, else its visitor.
    `CREATE TABLE IF NOT EXISTS rollup_order_events (
      write_key TEXT NOT NULL,
      message_id TEXT NOT NULL,
      order_key TEXT NOT NULL,
      ts BIGINT NOT NULL,
      amount ${real},
      anonymous_id TEXT,
      user_id TEXT,
      PRIMARY KEY (write_key, message_id)
    )${clustered}`,
    `CREATE TABLE IF NOT EXISTS rollup_identities (
      write_key TEXT NOT NULL,
      anonymous_id TEXT NOT NULL,
      ts BIGINT NOT NULL,
      message_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      PRIMARY KEY (write_key, anonymous_id)
    )${clustered}`,
    // A page view (session, page count, path) per day: the sum of its engaged time, its final depth.
    `CREATE TABLE IF NOT EXISTS rollup_page_views (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      day INTEGER NOT NULL,
      session_key TEXT NOT NULL,
      page_key TEXT NOT NULL,
      engaged ${real},
      depth ${real},
      PRIMARY KEY (write_key, day, path, session_key, page_key)
    )${clustered}`,
    // Web Vitals: the events per page and day; per page, metric, bucket and day the count of
    // values; and every value, in order within its bucket (the key), so the report reads the
    // counts to find which bucket holds the 75th percentile's ranks, then only those values.
    `CREATE TABLE IF NOT EXISTS rollup_vital_days (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      day INTEGER NOT NULL,
      samples INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, path)
    )${clustered}`,
    `CREATE TABLE IF NOT EXISTS rollup_vital_buckets (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      metric TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      day INTEGER NOT NULL,
      n INTEGER NOT NULL,
      PRIMARY KEY (write_key, day, path, metric, bucket)
    )${clustered}`,
    // An event is its write key and message id (store.mjs): the value's key holds both.
    `CREATE TABLE IF NOT EXISTS rollup_vital_values (
      write_key TEXT NOT NULL,
      path TEXT NOT NULL,
      metric TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      v ${real} NOT NULL,
      message_id TEXT NOT NULL,
      day INTEGER NOT NULL,
      PRIMARY KEY (write_key, path, metric, bucket, v, message_id)
    )${clustered}`,
    ROLLUP_META,
  ];
}

/**
 * The smaller / larger of two values, NULL only when both are (SQLite's two-argument min() is
 * NULL when either is; PostgreSQL's LEAST ignores NULLs). Text compares as the aggregates MIN and
 * MAX compare it, so combining two days' MIN gives the MIN over both.
 *
 * @param {Dialect} d @param {'least' | 'greatest'} fn @param {string} col
 */
function pick(d, fn, col) {
  const [a, b] = [`${TARGET}.${col}`, `excluded.${col}`];
  if (d === 'postgres') return `${col} = ${fn.toUpperCase()}(${a}, ${b})`;
  return `${col} = COALESCE(${fn === 'least' ? 'min' : 'max'}(${a}, ${b}), ${a}, ${b})`;
}
const TARGET = '__t';

/**
 * One upsert: the aggregates of the new events, merged into the existing rows.
 *
 * @param {Dialect} d @param {string} table @param {string[]} keys
 * @param {Array<[string, 'sum' | 'nsum' | 'least' | 'greatest' | 'old']>} merge  how each other column combines
 *   (`nsum`: a sum that stays NULL while both sides are, as SUM over no value is; `old`: the
 *   existing row's first_day, as it was before this update)
 * @param {Sql} select  columns in order: keys, then merge's
 * @param {string} [grows]  a column that only grows: a row is rewritten only when its new value is greater
 */
function upsert(d, table, keys, merge, select, grows) {
  const cols = [...keys, ...merge.map(([c]) => c)];
  const set = merge
    .map(([c, how]) =>
      how === 'old'
        ? `${c} = ${TARGET}.first_day`
        : how === 'sum'
          ? `${c} = ${TARGET}.${c} + excluded.${c}`
          : how === 'nsum'
            ? `${c} = CASE WHEN ${TARGET}.${c} IS NULL THEN excluded.${c} WHEN excluded.${c} IS NULL THEN ${TARGET}.${c} ELSE ${TARGET}.${c} + excluded.${c} END`
            : pick(d, how, c),
    )
    .join(', ')
    .replaceAll(`${TARGET}.`, `${table}.`);
  // The sort: concurrent transactions (several PostgreSQL instances) lock rows in the same order.
  // `WHERE true`: SQLite's parser would otherwise read ON CONFLICT as a join's ON.
  return sql`INSERT INTO ${raw(table)} (${raw(cols.join(', '))})
    SELECT * FROM (${select}) agg WHERE true ORDER BY ${raw(keys.join(', '))}
    ON CONFLICT (${raw(keys.join(', '))}) DO UPDATE SET ${raw(set)}${raw(grows ? ` WHERE excluded.${grows} > ${table}.${grows}` : '')}`;
}

/**
 * A visitor's span in rollup_visitor_firsts, besides its first day: over all its events, its last
 * day, its least and greatest session id (two sessions or more when they differ) and its greatest
 * session index; each column's type and how two rows of the visitor combine.
 * @type {Array<[string, string, 'least' | 'greatest']>}
 */
export const VISITOR_SPAN = [
  ['last_day', 'INTEGER', 'greatest'],
  ['min_session', 'TEXT', 'least'],
  ['max_session', 'TEXT', 'greatest'],
  ['max_index', 'INTEGER', 'greatest'],
];
/** VISITOR_SPAN's aggregates over events, `day` their day. @param {string} day */
const visitorSpan = (day) => `MAX(${day}), MIN(session_id), MAX(session_id), MAX(session_index)`;

/**
 * PostgreSQL's index in order of first day of a table keyed by `id` (see rollupSchema's byFirstDay).
 * @param {Dialect} d @param {string} table @param {string} id
 */
const firstDayIndex = (d, table, id) =>
  d === 'postgres' ? [`CREATE INDEX IF NOT EXISTS ${table}_first ON ${table} (write_key, first_day, ${id})`] : [];

/**
 * PostgreSQL stores made before the key of rollup_session_totals and rollup_visitor_firsts was the
 * id alone (see rollupSchema): their two unique constraints become that key, in place (no
 * rebuild), before rollupSchema's statements make the index on first day. Run in the schema
 * transaction. Returns how many tables changed.
 * @param {(sql: string) => Promise<Record<string, any>[]>} query
 * @returns {Promise<number>}
 */
export async function fixPostgresKeys(query) {
  const tables = [
    ['rollup_session_totals', 'session_id'],
    ['rollup_visitor_firsts', 'anonymous_id'],
  ];
  const constraints = await query(`SELECT conrelid::regclass::text AS table, conname AS name,
      contype AS type, array_length(conkey, 1) AS columns FROM pg_constraint
      WHERE contype IN ('p', 'u') AND conrelid IN (${tables.map(([t]) => `to_regclass('${t}')`).join(', ')})`);
  let changed = 0;
  for (const [table, id] of tables) {
    const own = constraints.filter((c) => c.table === table);
    if (!own.some((c) => c.type === 'p' && Number(c.columns) === 3)) continue;
    const drops = own.map((c) => `DROP CONSTRAINT "${c.name.replaceAll('"', '""')}"`);
    await query(`ALTER TABLE ${table} ${drops.join(', ')}, ADD PRIMARY KEY (write_key, ${id})`);
    changed++;
  }
  return changed;
}

/**
 * A session's columns in rollup_sessions (per day) and rollup_session_totals (over its days), in
 * order, their type and how two rows of the same session combine.
 * @type {Array<[string, 'text' | 'integer' | 'bigint' | 'real', 'sum' | 'least' | 'greatest']>}
 */
const SESSION_COLUMNS = [
  ['anonymous_id', 'text', 'least'],
  ['session_index', 'integer', 'greatest'],
  ['first_ts', 'bigint', 'least'],
  ['last_ts', 'bigint', 'greatest'],
  ['pageviews', 'integer', 'sum'],
  ['engaged_ms', 'real', 'sum'],
  ['key_event', 'integer', 'greatest'],
  ['cart', 'integer', 'greatest'],
  ['viewed', 'integer', 'greatest'],
  ['added', 'integer', 'greatest'],
  ['checkout_step', 'integer', 'greatest'],
  ['checkout', 'integer', 'greatest'],
  ['ordered', 'integer', 'greatest'],
  ['started', 'integer', 'greatest'],
  ['landing_path', 'text', 'least'],
  ['referrer', 'text', 'least'],
  ['source', 'text', 'least'],
  ['medium', 'text', 'least'],
  ['campaign', 'text', 'least'],
];
/** Text columns that may be NULL (every text column: a session without a visitor or a landing). */
const SESSION_NULLABLE = SESSION_COLUMNS.filter(([, type]) => type === 'text').map(([c]) => c);
/** @type {Array<[string, 'sum' | 'least' | 'greatest']>} */
const SESSION_MERGE = SESSION_COLUMNS.map(([c, , how]) => [c, how]);

/** The aggregates of SESSION_COLUMNS over a session's events, in order. @param {Dialect} d */
function sessionAggregates(d) {
  const f = facts(d);
  return sql`MIN(anonymous_id), MAX(session_index), MIN(ts), MAX(ts), SUM(${f.page}),
        COALESCE(SUM(${f.engaged}), 0), MAX(${f.keyEvent}), MAX(${f.cart}), MAX(${f.viewed}), MAX(${f.added}),
        MAX(${f.checkoutStep}), MAX(${f.checkout}), MAX(${f.ordered}),
        MAX(${f.sessionStarted}), MIN(${f.landingPath}), MIN(${f.referrer}), MIN(${f.source}), MIN(${f.medium}), MIN(${f.campaign})`;
}

/** The name of the i-th statement of rollupUpdates as a PostgreSQL ingest runs them, each a CTE of one statement. @param {number} i */
export const rollupCte = (i) => `rollup${i}`;

/**
 * The statements that add `newEvents` to the rollups: a relation with the columns of `events`,
 * named `events` (SQLite: a temporary table of the rows just stored; PostgreSQL: the rows its
 * insert returned; a rebuild: the table itself). Run them in the transaction that stored
 * the events. (A condition on `events` instead let SQLite scan its index on `event`, every Order
 * Completed ever stored, for each request.)
 *
 * @param {Dialect} d @param {Sql} newEvents
 * @param {{ rebuild?: boolean }} [opts]  `rebuild`: every event at once (rollupRebuild), each statement
 *   run alone: without the counts of changes (of days and of cohorts), which the rebuild makes afterwards
 * @returns {Sql[]}
 */
export function rollupUpdates(d, newEvents, { rebuild = false } = {}) {
  const f = facts(d);
  const day = dayOf(d, 'ts');
  const totals = upsert(
    d,
    'rollup_session_totals',
    ['write_key', 'session_id'],
    [
      ['first_day', 'least'],
      ['last_day', 'greatest'],
      ...SESSION_MERGE,
      ...(d === 'postgres' ? /** @type {const} */ ([['prev_first_day', 'old']]) : []),
    ],
    sql`SELECT write_key, session_id, MIN(${day}) AS first_day, MAX(${day}) AS last_day, ${sessionAggregates(d)}${raw(d === 'postgres' ? ', CAST(NULL AS INTEGER)' : '')}
      FROM ${newEvents} WHERE session_id IS NOT NULL GROUP BY write_key, session_id`,
  );
  const pg = d === 'postgres';
  const shard = raw(pg ? 'pg_backend_pid() % 16' : '0');
  /** Adds one to a count of changes per site and day for each row of `days` (write_key, day). */
  const bump = (/** @type {string} */ table, /** @type {Sql} */ days) =>
    upsert(
      d,
      table,
      ['write_key', 'day', 'shard'],
      [['changes', 'sum']],
      sql`SELECT write_key, day, ${shard} AS shard, COUNT(*) FROM (${days}) c
      WHERE day IS NOT NULL GROUP BY write_key, day`,
    );
  /** @type {Sql[]} */
  const statements = [];
  // Each statement's name as a PostgreSQL ingest runs them (a CTE each): a bump reads the upsert
  // before it by that name.
  const add = (/** @type {Sql} */ q) => rollupCte(statements.push(q) - 1);
  add(
    upsert(
      d,
      'rollup_sessions',
      ['write_key', 'session_id', 'day'],
      SESSION_MERGE,
      sql`SELECT write_key, session_id, ${day} AS day, ${sessionAggregates(d)}
      FROM ${newEvents} WHERE session_id IS NOT NULL GROUP BY write_key, session_id, ${day}`,
    ),
  );
  // Which days' sessions change: each session's first day before this update and the first of
  // its new events' days (its first day after is the smaller of the two). SQLite, one writer:
  // read before the upsert. PostgreSQL, where another statement may change the same session at
  // the same time: the upsert itself keeps the first day it replaced (under the row's lock) and
  // returns both.
  if (rebuild) add(totals);
  else if (pg) {
    const upserted = add({ ...totals, text: `${totals.text} RETURNING write_key, first_day, prev_first_day` });
    add(
      bump(
        'rollup_day_changes',
        raw(
          `SELECT write_key, first_day AS day FROM ${upserted} UNION ALL SELECT write_key, prev_first_day FROM ${upserted}`,
        ),
      ),
    );
  } else {
    add(
      bump(
        'rollup_day_changes',
        sql`SELECT write_key, first_day AS day FROM rollup_session_totals
        WHERE (write_key, session_id) IN (SELECT write_key, session_id FROM ${newEvents} WHERE session_id IS NOT NULL)
        UNION ALL SELECT write_key, MIN(${day}) FROM ${newEvents} WHERE session_id IS NOT NULL GROUP BY write_key, session_id`,
      ),
    );
    add(totals);
  }
  add(
    upsert(
      d,
      'rollup_orders',
      ['write_key', 'order_key', 'day'],
      [
        ['amount', 'greatest'],
        ['currency', 'greatest'],
        ['session_id', 'least'],
      ],
      sql`SELECT write_key, order_key, day, MAX(amount), MAX(currency), MIN(session_id)
      FROM (SELECT write_key, ${f.orderKey} AS order_key, ${day} AS day, ${f.amount} AS amount, ${f.currency} AS currency, session_id
        FROM ${newEvents} WHERE event = 'Order Completed') o
      GROUP BY write_key, order_key, day`,
    ),
  );
  add(
    upsert(
      d,
      'rollup_visitors',
      ['write_key', 'anonymous_id', 'day', 'session_key'],
      [['session_index', 'greatest']],
      sql`SELECT write_key, anonymous_id, ${day} AS day, CASE WHEN session_id IS NULL THEN '' ELSE '#' || session_id END AS session_key,
        MAX(session_index)
      FROM ${newEvents} WHERE anonymous_id IS NOT NULL
      GROUP BY write_key, anonymous_id, ${day}, CASE WHEN session_id IS NULL THEN '' ELSE '#' || session_id END`,
    ),
  );
  const firsts = upsert(
    d,
    'rollup_visitor_firsts',
    ['write_key', 'anonymous_id'],
    [
      ['first_day', 'least'],
      ...(pg ? /** @type {const} */ ([['prev_first_day', 'old']]) : []),
      ...VISITOR_SPAN.map(([c, , how]) => /** @type {[string, 'least' | 'greatest']} */ ([c, how])),
    ],
    sql`SELECT write_key, anonymous_id, MIN(${day}) AS first_day${raw(pg ? ', CAST(NULL AS INTEGER)' : '')}, ${raw(visitorSpan(day.text))}
      FROM ${newEvents} WHERE anonymous_id IS NOT NULL GROUP BY write_key, anonymous_id`,
  );
  // Which retention cohorts change (rollup_cohort_changes): a visitor's first day before and after
  // this update when it moves (a new visitor, or an earlier event arriving late), and its first
  // day when it has new events on a past day. Not for events of today (the database's clock), which
  // every returning visitor brings to a cohort of the last weeks: the cohort cache holds a cohort's
  // days before today and reads today's live (report/cohortCache.mjs).
  const today = raw(
    pg
      ? 'CAST(floor(EXTRACT(EPOCH FROM statement_timestamp()) / 86400) AS INTEGER)'
      : "(CAST(strftime('%s', 'now') AS INTEGER) / 86400)",
  );
  if (rebuild) add(firsts);
  else if (pg) {
    const upserted = add({
      ...firsts,
      text: `${firsts.text} RETURNING write_key, anonymous_id, first_day, prev_first_day`,
    });
    add(
      bump(
        'rollup_cohort_changes',
        sql`SELECT write_key, first_day AS day FROM ${raw(upserted)} u
        WHERE prev_first_day IS NULL OR prev_first_day <> first_day
          OR (u.write_key, u.anonymous_id) IN (SELECT write_key, anonymous_id FROM ${newEvents} WHERE anonymous_id IS NOT NULL AND ${day} < ${today})
        UNION ALL SELECT write_key, prev_first_day FROM ${raw(upserted)} WHERE prev_first_day <> first_day`,
      ),
    );
  } else {
    const before = sql`SELECT n.write_key AS write_key, n.first_new AS first_new, f.first_day AS old_first
      FROM (SELECT write_key, anonymous_id, MIN(${day}) AS first_new FROM ${newEvents} WHERE anonymous_id IS NOT NULL
        GROUP BY write_key, anonymous_id) n
      LEFT JOIN rollup_visitor_firsts f ON f.write_key = n.write_key AND f.anonymous_id = n.anonymous_id`;
    add(
      bump(
        'rollup_cohort_changes',
        sql`SELECT write_key, CASE WHEN old_first IS NULL OR first_new < old_first THEN first_new ELSE old_first END AS day
        FROM (${before}) b WHERE old_first IS NULL OR first_new < old_first OR first_new < ${today}
        UNION ALL SELECT write_key, old_first FROM (${before}) b WHERE first_new < old_first`,
      ),
    );
    add(firsts);
  }
  return [
    ...statements,
    upsert(
      d,
      'rollup_days',
      ['write_key', 'day', 'shard'],
      [
        ['events', 'sum'],
        ['pageviews', 'sum'],
        ['cart_starts', 'sum'],
        ['checkout_starts', 'sum'],
      ],
      sql`SELECT write_key, ${day} AS day, ${raw(d === 'postgres' ? 'pg_backend_pid() % 16' : '0')} AS shard, COUNT(*), SUM(${f.page}), SUM(${f.cart}), SUM(${f.checkout})
      FROM ${newEvents} GROUP BY write_key, ${day}`,
    ),
    upsert(
      d,
      'rollup_page_visitors',
      ['write_key', 'path', 'day', 'anon_key'],
      [['pageviews', 'sum']],
      sql`SELECT write_key, ${f.viewPath} AS path, ${day} AS day, ${f.key('anonymous_id')} AS anon_key, COUNT(*)
      FROM ${newEvents} WHERE type = 'page'
      GROUP BY write_key, ${f.viewPath}, ${day}, ${f.key('anonymous_id')}`,
    ),
    orderEvents(d, newEvents),
    identities(newEvents),
    ...formUpdates(d, newEvents, shard),
    upsert(
      d,
      'rollup_page_days',
      ['write_key', 'day', 'path', 'shard'],
      [['pageviews', 'sum']],
      sql`SELECT write_key, ${day} AS day, ${f.viewPath} AS path, ${shard} AS shard, COUNT(*)
      FROM ${newEvents} WHERE type = 'page'
      GROUP BY write_key, ${day}, ${f.viewPath}`,
    ),
    upsert(
      d,
      'rollup_page_visitor_lasts',
      ['write_key', 'path', 'anonymous_id'],
      [['last_day', 'greatest']],
      sql`SELECT write_key, ${f.viewPath} AS path, anonymous_id, MAX(${day})
      FROM ${newEvents} WHERE type = 'page' AND anonymous_id IS NOT NULL
      GROUP BY write_key, ${f.viewPath}, anonymous_id`,
      // Most page views are a visitor's second or later of the day on that page: no new row version.
      'last_day',
    ),
    upsert(
      d,
      'rollup_page_views',
      ['write_key', 'path', 'day', 'session_key', 'page_key'],
      [
        ['engaged', 'nsum'],
        ['depth', 'greatest'],
      ],
      sql`SELECT write_key, path, day, session_key, page_key, SUM(engaged), MAX(depth)
      FROM (SELECT write_key, ${f.engagementPath} AS path, ${day} AS day, ${f.key('session_id')} AS session_key,
          ${f.key('page_count')} AS page_key, ${f.engagedMs} AS engaged, ${f.finalDepth} AS depth
        FROM ${newEvents} WHERE event = 'Page Engagement') e
      GROUP BY write_key, path, day, session_key, page_key`,
    ),
    upsert(
      d,
      'rollup_vital_days',
      ['write_key', 'path', 'day'],
      [['samples', 'sum']],
      sql`SELECT write_key, ${f.engagementPath} AS path, ${day} AS day, COUNT(*)
      FROM ${newEvents} WHERE event = 'Web Vitals'
      GROUP BY write_key, ${f.engagementPath}, ${day}`,
    ),
    upsert(
      d,
      'rollup_vital_buckets',
      ['write_key', 'path', 'metric', 'bucket', 'day'],
      [['n', 'sum']],
      sql`SELECT write_key, path, metric, ${raw(bucketOf('v'))} AS bucket, day, COUNT(*)
      FROM (${vitalValues(d, newEvents)}) vv
      GROUP BY write_key, path, metric, ${raw(bucketOf('v'))}, day`,
    ),
    sql`INSERT INTO rollup_vital_values (write_key, path, metric, bucket, v, message_id, day)
      SELECT write_key, path, metric, ${raw(bucketOf('v'))}, v, message_id, day FROM (${vitalValues(d, newEvents)}) vv WHERE true
      ORDER BY write_key, path, metric, ${raw(bucketOf('v'))}, v, message_id
      ON CONFLICT (write_key, path, metric, bucket, v, message_id) DO NOTHING`,
  ];
}

/**
 * The form rollups' upserts for `newEvents`, `shard` its rows' shard.
 * @param {Dialect} d @param {Sql} newEvents @param {Sql} shard @returns {Sql[]}
 */
function formUpdates(d, newEvents, shard) {
  const forms = sql`SELECT write_key, ${dayOf(d, 'ts')} AS day, event, form, last_field, time_ms
    FROM (${formEventsOf(d, newEvents, 'write_key, ts, ')}) fd`;
  const count = (/** @type {string} */ e) => raw(`SUM(CASE WHEN event = '${e}' THEN 1 ELSE 0 END)`);
  const submitted = "CASE WHEN event = 'Form Submitted' THEN time_ms END";
  return [
    upsert(
      d,
      'rollup_form_days',
      ['write_key', 'day', 'form', 'shard'],
      [
        ['started', 'sum'],
        ['submitted', 'sum'],
        ['abandoned', 'sum'],
        ['submit_ms_sum', 'nsum'],
        ['submit_ms_n', 'sum'],
      ],
      sql`SELECT write_key, day, form, ${shard} AS shard, ${count('Form Started')}, ${count('Form Submitted')}, ${count('Form Abandoned')},
        SUM(${raw(submitted)}), COUNT(${raw(submitted)})
      FROM (${forms}) fe GROUP BY write_key, day, form`,
    ),
    upsert(
      d,
      'rollup_form_fields',
      ['write_key', 'day', 'form', 'field', 'shard'],
      [['abandons', 'sum']],
      sql`SELECT write_key, day, form, field, ${shard} AS shard, COUNT(*)
      FROM (SELECT write_key, day, form, COALESCE(NULLIF(last_field, ''), '(none)') AS field FROM (${forms}) fe
        WHERE event = 'Form Abandoned') a
      GROUP BY write_key, day, form, field`,
    ),
  ];
}

/**
 * Adds the Order Completed events of `newEvents` to rollup_order_events (each stored once: they
 * are new, or a rebuild's).
 * @param {Dialect} d @param {Sql} newEvents @returns {Sql}
 */
function orderEvents(d, newEvents) {
  const f = facts(d);
  return sql`INSERT INTO rollup_order_events (write_key, message_id, order_key, ts, amount, anonymous_id, user_id)
      SELECT write_key, message_id, ${f.orderKey}, ts, ${f.amount}, anonymous_id, user_id FROM ${newEvents}
      WHERE event = 'Order Completed' ORDER BY write_key, message_id
      ON CONFLICT (write_key, message_id) DO NOTHING`;
}

/**
 * Keeps each visitor's latest identify() with a user in rollup_identities: the latest of
 * `newEvents`' per visitor, where it is later (time, then message id) than the one kept.
 * @param {Sql} newEvents @returns {Sql}
 */
function identities(newEvents) {
  const t = 'rollup_identities';
  return sql`INSERT INTO ${raw(t)} (write_key, anonymous_id, ts, message_id, user_id)
      SELECT write_key, anonymous_id, ts, message_id, user_id FROM (
        SELECT write_key, anonymous_id, ts, message_id, user_id,
          ROW_NUMBER() OVER (PARTITION BY write_key, anonymous_id ORDER BY ts DESC, message_id DESC) AS nth
        FROM ${newEvents} WHERE type = 'identify' AND anonymous_id IS NOT NULL AND user_id IS NOT NULL) i
      WHERE nth = 1 ORDER BY write_key, anonymous_id
      ON CONFLICT (write_key, anonymous_id) DO UPDATE SET ts = excluded.ts, message_id = excluded.message_id, user_id = excluded.user_id
      WHERE excluded.ts > ${raw(t)}.ts OR (excluded.ts = ${raw(t)}.ts AND excluded.message_id > ${raw(t)}.message_id)`;
}

/**
 * One row per Web Vitals value of `newEvents`: its write key, page, metric, value (as the report's
 * percentile reads it: a JSON number, as a double), day and message id.
 *
 * @param {Dialect} d @param {Sql} newEvents @returns {Sql}
 */
function vitalValues(d, newEvents) {
  const f = facts(d);
  const type = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  return sql`SELECT write_key, path, metric, v, day, message_id FROM (${join(
    VITALS.map(
      (
        m,
      ) => sql`SELECT write_key, ${f.engagementPath} AS path, '${raw(m)}' AS metric, CAST(${f.vital(m)} AS ${raw(type)}) AS v, ${dayOf(d, 'ts')} AS day, message_id
        FROM ${newEvents} WHERE event = 'Web Vitals'`,
    ),
    ' UNION ALL ',
  )}) vl WHERE v IS NOT NULL`;
}

/**
 * Statements that bring the rollups of a store of the version before (7) to this one, in place,
 * from the rollups themselves where it can (a rebuild from the events took 400 s at ten million):
 * the visitors' spans (VISITOR_SPAN) from rollup_visitors, the pages' days and their visitors' last
 * days from rollup_page_visitors; the order events, identities and forms from their events (by
 * the indexes on event and on identify). Run in one transaction.
 *
 * @param {Dialect} d @returns {string[]}
 */
export function rollupMigration(d) {
  const spans = `SELECT write_key, anonymous_id, MAX(day) AS last_day, substr(MIN(NULLIF(session_key, '')), 2) AS min_session,
        substr(MAX(NULLIF(session_key, '')), 2) AS max_session, MAX(session_index) AS max_index
      FROM rollup_visitors GROUP BY write_key, anonymous_id`;
  return [
    ...VISITOR_SPAN.map(
      ([c, type]) =>
        `ALTER TABLE rollup_visitor_firsts ADD COLUMN ${c} ${type}${c === 'last_day' ? ' NOT NULL DEFAULT 0' : ''}`,
    ),
    `UPDATE rollup_visitor_firsts SET ${VISITOR_SPAN.map(([c]) => `${c} = s.${c}`).join(', ')}
      FROM (${spans}) s WHERE rollup_visitor_firsts.write_key = s.write_key AND rollup_visitor_firsts.anonymous_id = s.anonymous_id`,
    ...rollupSchema(d).filter((statement) => statement !== ROLLUP_META),
    `INSERT INTO rollup_page_days (write_key, day, path, shard, pageviews)
      SELECT write_key, day, path, 0, SUM(pageviews) FROM rollup_page_visitors GROUP BY write_key, day, path`,
    `INSERT INTO rollup_page_visitor_lasts (write_key, path, anonymous_id, last_day)
      SELECT write_key, path, substr(anon_key, 2), MAX(day) FROM rollup_page_visitors WHERE anon_key <> ''
      GROUP BY write_key, path, anon_key`,
    orderEvents(d, raw('events')).text,
    identities(raw('events')).text,
    ...formUpdates(d, raw('events'), raw('0')).map((q) => q.text),
    'DELETE FROM rollup_meta',
    `INSERT INTO rollup_meta (version) VALUES (${ROLLUP_VERSION})`,
  ];
}
/** The version rollupMigration brings up to date. */
export const MIGRATES_FROM = ROLLUP_VERSION - 1;

/**
 * Statements that rebuild the rollups from every stored event (a store created before them, or
 * of an older ROLLUP_VERSION). The tables are made again, as an older version's may lack columns
 * (version 3 added the funnel's viewed, added and checkout_step; version 5 the write key of
 * every table and rollup_days' events). Run in one transaction.
 *
 * @param {Dialect} d @returns {Sql[]}
 */
export function rollupRebuild(d) {
  return [
    ...[...ROLLUP_TABLES, ...OLD_TABLES].map((t) => raw(`DROP TABLE IF EXISTS ${t}`)),
    ...rollupSchema(d)
      .filter((statement) => statement !== ROLLUP_META)
      .map((statement) => raw(statement)),
    ...rollupUpdates(d, raw('events'), { rebuild: true }),
    raw(`INSERT INTO rollup_day_changes (write_key, day, shard, changes)
      SELECT write_key, first_day, 0, COUNT(*) FROM rollup_session_totals GROUP BY write_key, first_day`),
    raw(`INSERT INTO rollup_cohort_changes (write_key, day, shard, changes)
      SELECT write_key, first_day, 0, COUNT(*) FROM rollup_visitor_firsts GROUP BY write_key, first_day`),
    raw('DELETE FROM rollup_meta'),
    raw(`INSERT INTO rollup_meta (version) VALUES (${ROLLUP_VERSION})`),
  ];
}
