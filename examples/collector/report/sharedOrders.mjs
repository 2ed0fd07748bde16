// A report's customer orders, read once for its three customer queries (the summary's customer
// keys, the customers and order retention tables: customers.mjs), which each read every order
// from the events with an identity looked up per order (over 10M events, 1.3 s apiece on SQLite
// and about 2 s on PostgreSQL). The rows are customerOrdersSelect's for the report's range.
//
// SQLite: a temporary table of the report's connection (the worker's), named per report.
// PostgreSQL, whose pool runs the queries on several connections at once (a temporary table is
// one connection's): rows of an unlogged table under a random key per report, which every
// instance shares; a report deletes its rows when it ends, and the rows of a report that never
// ended (a crash) an hour later.
import { randomUUID } from 'node:crypto';
import { raw, sql } from './sql.mjs';
import { customerOrdersSelect } from './customers.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./metrics.mjs').Store} Store */

/** PostgreSQL's table of the reports' orders, made when the store opens. */
export const SHARED_ORDERS_SCHEMA = `CREATE UNLOGGED TABLE IF NOT EXISTS report_orders (
  report TEXT NOT NULL, order_key TEXT NOT NULL, ts BIGINT NOT NULL, amount DOUBLE PRECISION, customer TEXT,
  made BIGINT NOT NULL, PRIMARY KEY (report, order_key))`;

/** How long the rows of a report that never ended are kept. */
const ABANDONED_MS = 3_600_000;
/** SQLite's tables of shared orders made so far: each report's has its own name. */
let made = 0;

/**
 * Reads a report's customer orders once. Returns the relation its queries read them from (as
 * customers.mjs' customerOrders takes it) and how to drop them once the report has ended; none
 * on a SQLite connection that cannot write a temporary table (no `batch`).
 *
 * @param {Store} store @param {{ from: number, to: number, site: string }} r
 * @returns {Promise<{ rows: Sql, drop: () => Promise<unknown> } | undefined>}
 */
export async function sharedOrders(store, r) {
  const select = customerOrdersSelect(store.dialect, r);
  const columns = 'order_key, ts, amount, customer';
  if (store.dialect === 'sqlite') {
    const batch = store.batch;
    if (typeof batch !== 'function') return undefined;
    const table = `report_orders_${++made}`;
    await batch([{ sql: `CREATE TEMP TABLE ${table} AS ${select.text}`, params: select.params }]);
    return {
      rows: raw(`SELECT ${columns} FROM temp.${table}`),
      drop: () => batch([{ sql: `DROP TABLE IF EXISTS temp.${table}` }]),
    };
  }
  const report = randomUUID();
  const now = Date.now();
  const gone = sql`DELETE FROM report_orders WHERE made < ${now - ABANDONED_MS}`;
  await store.all(gone.text, gone.params);
  const fill = sql`INSERT INTO report_orders (report, ${raw(columns)}, made)
    SELECT ${report}, ${raw(columns)}, CAST(${now} AS BIGINT) FROM (${select}) o`;
  await store.all(fill.text, fill.params);
  const drop = sql`DELETE FROM report_orders WHERE report = ${report}`;
  return {
    rows: sql`SELECT ${raw(columns)} FROM report_orders WHERE report = ${report}`,
    drop: () => store.all(drop.text, drop.params),
  };
}
