// The rollups the report reads instead of the raw events: per session and UTC day, per order and
// day, per visitor, day and session, and per day. They are updated in the transaction that stores
// the events, from the events that transaction newly stored (so a duplicate or a retry changes
// nothing), with aggregates that combine in any order (min, max, sum), so events arriving late or
// out of order give the same rows. The report (report/metrics.mjs) combines the rows of a range's
// days into exactly the numbers it computes from the events.
import { facts } from './report/facts.mjs';
import { dayOf, raw, sql } from './report/sql.mjs';

/** @typedef {import('./report/sql.mjs').Dialect} Dialect @typedef {import('./report/sql.mjs').Sql} Sql */

/** Bumped when the rollups change: a store with an older version rebuilds them from the events. */
export const ROLLUP_VERSION = 3;

/** The rollup tables, for a rebuild. */
export const ROLLUP_TABLES = [
  'rollup_sessions',
  'rollup_orders',
  'rollup_visitors',
  'rollup_days',
  'rollup_page_visitors',
  'rollup_page_views',
  'rollup_vitals',
];

/** @param {Dialect} d @returns {string[]} */
export function rollupSchema(d) {
  const real = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  return [
    `CREATE TABLE IF NOT EXISTS rollup_sessions (
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
      PRIMARY KEY (session_id, day)
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_sessions_day ON rollup_sessions (day)',
    `CREATE TABLE IF NOT EXISTS rollup_orders (
      order_key TEXT NOT NULL,
      day INTEGER NOT NULL,
      amount ${real},
      currency TEXT,
      session_id TEXT,
      PRIMARY KEY (order_key, day)
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_orders_day ON rollup_orders (day)',
    // session_key: '' for events without a session, '#' + the id otherwise (a key column cannot be NULL).
    `CREATE TABLE IF NOT EXISTS rollup_visitors (
      anonymous_id TEXT NOT NULL,
      day INTEGER NOT NULL,
      session_key TEXT NOT NULL,
      session_index INTEGER,
      PRIMARY KEY (anonymous_id, day, session_key)
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_visitors_day ON rollup_visitors (day)',
    // shard: every ingest updates today's row; on PostgreSQL each connection has its own row
    // (its backend pid mod 16), so concurrent transactions do not queue behind one row lock.
    `CREATE TABLE IF NOT EXISTS rollup_days (
      day INTEGER NOT NULL,
      shard INTEGER NOT NULL,
      pageviews INTEGER NOT NULL,
      cart_starts INTEGER NOT NULL,
      checkout_starts INTEGER NOT NULL,
      PRIMARY KEY (day, shard)
    )`,
    `CREATE TABLE IF NOT EXISTS rollup_page_visitors (
      path TEXT NOT NULL,
      day INTEGER NOT NULL,
      anon_key TEXT NOT NULL,
      pageviews INTEGER NOT NULL,
      PRIMARY KEY (path, day, anon_key)
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_page_visitors_day ON rollup_page_visitors (day)',
    // A page view (session, page count, path) per day: the sum of its engaged time, its final depth.
    `CREATE TABLE IF NOT EXISTS rollup_page_views (
      path TEXT NOT NULL,
      day INTEGER NOT NULL,
      session_key TEXT NOT NULL,
      page_key TEXT NOT NULL,
      engaged ${real},
      depth ${real},
      PRIMARY KEY (path, day, session_key, page_key)
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_page_views_day ON rollup_page_views (day)',
    // Percentiles need every value: one narrow row per Web Vitals event, its JSON read once.
    `CREATE TABLE IF NOT EXISTS rollup_vitals (
      message_id TEXT PRIMARY KEY,
      day INTEGER NOT NULL,
      path TEXT NOT NULL,
      lcp ${real},
      inp ${real},
      cls ${real},
      fcp ${real},
      ttfb ${real}
    )`,
    'CREATE INDEX IF NOT EXISTS rollup_vitals_day ON rollup_vitals (day, path)',
    'CREATE TABLE IF NOT EXISTS rollup_meta (version INTEGER NOT NULL)',
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
 * @param {Array<[string, 'sum' | 'nsum' | 'least' | 'greatest']>} merge  how each other column combines
 *   (`nsum`: a sum that stays NULL while both sides are, as SUM over no value is)
 * @param {Sql} select  columns in order: keys, then merge's
 */
function upsert(d, table, keys, merge, select) {
  const cols = [...keys, ...merge.map(([c]) => c)];
  const set = merge
    .map(([c, how]) =>
      how === 'sum'
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
    ON CONFLICT (${raw(keys.join(', '))}) DO UPDATE SET ${raw(set)}`;
}

/**
 * The statements that add `newEvents` to the rollups: a relation with the columns of `events`,
 * named `events` (SQLite: a temporary table of the rows just stored; PostgreSQL: those rows
 * selected by message id; a rebuild: the table itself). Run them in the transaction that stored
 * the events. (A condition on `events` instead let SQLite scan its index on `event`, every Order
 * Completed ever stored, for each request.)
 *
 * @param {Dialect} d @param {Sql} newEvents
 * @returns {Sql[]}
 */
export function rollupUpdates(d, newEvents) {
  const f = facts(d);
  const day = dayOf(d, 'ts');
  return [
    upsert(
      d,
      'rollup_sessions',
      ['session_id', 'day'],
      [
        ['anonymous_id', 'least'],
        ['session_index', 'greatest'],
        ['first_ts', 'least'],
        ['last_ts', 'greatest'],
        ['pageviews', 'sum'],
        ['engaged_ms', 'sum'],
        ['key_event', 'greatest'],
        ['cart', 'greatest'],
        ['viewed', 'greatest'],
        ['added', 'greatest'],
        ['checkout_step', 'greatest'],
        ['checkout', 'greatest'],
        ['ordered', 'greatest'],
        ['started', 'greatest'],
        ['landing_path', 'least'],
        ['referrer', 'least'],
        ['source', 'least'],
        ['medium', 'least'],
        ['campaign', 'least'],
      ],
      sql`SELECT session_id, ${day} AS day, MIN(anonymous_id), MAX(session_index), MIN(ts), MAX(ts), SUM(${f.page}),
        COALESCE(SUM(${f.engaged}), 0), MAX(${f.keyEvent}), MAX(${f.cart}), MAX(${f.viewed}), MAX(${f.added}),
        MAX(${f.checkoutStep}), MAX(${f.checkout}), MAX(${f.ordered}),
        MAX(${f.sessionStarted}), MIN(${f.landingPath}), MIN(${f.referrer}), MIN(${f.source}), MIN(${f.medium}), MIN(${f.campaign})
      FROM ${newEvents} WHERE session_id IS NOT NULL GROUP BY session_id, ${day}`,
    ),
    upsert(
      d,
      'rollup_orders',
      ['order_key', 'day'],
      [
        ['amount', 'greatest'],
        ['currency', 'greatest'],
        ['session_id', 'least'],
      ],
      sql`SELECT order_key, day, MAX(amount), MAX(currency), MIN(session_id)
      FROM (SELECT ${f.orderKey} AS order_key, ${day} AS day, ${f.amount} AS amount, ${f.currency} AS currency, session_id
        FROM ${newEvents} WHERE event = 'Order Completed') o
      GROUP BY order_key, day`,
    ),
    upsert(
      d,
      'rollup_visitors',
      ['anonymous_id', 'day', 'session_key'],
      [['session_index', 'greatest']],
      sql`SELECT anonymous_id, ${day} AS day, CASE WHEN session_id IS NULL THEN '' ELSE '#' || session_id END AS session_key,
        MAX(session_index)
      FROM ${newEvents} WHERE anonymous_id IS NOT NULL
      GROUP BY anonymous_id, ${day}, CASE WHEN session_id IS NULL THEN '' ELSE '#' || session_id END`,
    ),
    upsert(
      d,
      'rollup_days',
      ['day', 'shard'],
      [
        ['pageviews', 'sum'],
        ['cart_starts', 'sum'],
        ['checkout_starts', 'sum'],
      ],
      sql`SELECT ${day} AS day, ${raw(d === 'postgres' ? 'pg_backend_pid() % 16' : '0')} AS shard, SUM(${f.page}), SUM(${f.cart}), SUM(${f.checkout})
      FROM ${newEvents} GROUP BY ${day}`,
    ),
    upsert(
      d,
      'rollup_page_visitors',
      ['path', 'day', 'anon_key'],
      [['pageviews', 'sum']],
      sql`SELECT ${f.viewPath} AS path, ${day} AS day, ${f.key('anonymous_id')} AS anon_key, COUNT(*)
      FROM ${newEvents} WHERE type = 'page'
      GROUP BY ${f.viewPath}, ${day}, ${f.key('anonymous_id')}`,
    ),
    upsert(
      d,
      'rollup_page_views',
      ['path', 'day', 'session_key', 'page_key'],
      [
        ['engaged', 'nsum'],
        ['depth', 'greatest'],
      ],
      sql`SELECT path, day, session_key, page_key, SUM(engaged), MAX(depth)
      FROM (SELECT ${f.engagementPath} AS path, ${day} AS day, ${f.key('session_id')} AS session_key,
          ${f.key('page_count')} AS page_key, ${f.engagedMs} AS engaged, ${f.finalDepth} AS depth
        FROM ${newEvents} WHERE event = 'Page Engagement') e
      GROUP BY path, day, session_key, page_key`,
    ),
    sql`INSERT INTO rollup_vitals (message_id, day, path, lcp, inp, cls, fcp, ttfb)
      SELECT message_id, ${day}, ${f.engagementPath}, ${f.vital('lcp')}, ${f.vital('inp')}, ${f.vital('cls')}, ${f.vital('fcp')}, ${f.vital('ttfb')}
      FROM ${newEvents} WHERE event = 'Web Vitals'
      ON CONFLICT (message_id) DO NOTHING`,
  ];
}

/**
 * Statements that rebuild the rollups from every stored event (a store created before them, or
 * of an older ROLLUP_VERSION). The tables are made again, as an older version's may lack columns
 * (version 3 added the funnel's viewed, added and checkout_step). Run in one transaction.
 *
 * @param {Dialect} d @returns {Sql[]}
 */
export function rollupRebuild(d) {
  return [
    ...ROLLUP_TABLES.map((t) => raw(`DROP TABLE IF EXISTS ${t}`)),
    ...rollupSchema(d)
      .filter((statement) => !statement.includes('rollup_meta'))
      .map((statement) => raw(statement)),
    ...rollupUpdates(d, raw('events')),
    raw('DELETE FROM rollup_meta'),
    raw(`INSERT INTO rollup_meta (version) VALUES (${ROLLUP_VERSION})`),
  ];
}
