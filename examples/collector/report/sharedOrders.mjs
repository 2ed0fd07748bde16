// A report's customer orders, read once for its three customer queries (the summary's customer
// keys, the customers and order retention tables: customers.mjs), which each read every order
// from the events with an identity looked up per order (1.3 s apiece over 10M events on SQLite).
// The rows are customerOrdersSelect's for the report's range, in a temporary table of the SQLite
// report connection (the worker's), named per report and dropped when it ends.
//
// Not on PostgreSQL: its pool runs the queries on several connections at once, and a temporary
// table is one connection's. Rows of an unlogged table under a key per report were tried: the
// planner, seeing the table as empty, ran order retention's join as a nested loop (21 s over
// 10M events, against 2.4 s reading the events), and the rows cost 2.7 s to write.
import { raw } from './sql.mjs';
import { customerOrdersSelect } from './customers.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./metrics.mjs').Store} Store */

/** Tables of shared orders made so far: each report's has its own name. */
let made = 0;

/**
 * Reads a report's customer orders once, on a SQLite connection that can write a temporary
 * table (`batch`). Returns the relation its queries read them from (as customers.mjs'
 * customerOrders takes it) and how to drop them once the report has ended; none elsewhere.
 *
 * @param {Store} store @param {{ from: number, to: number, site: string }} r
 * @returns {Promise<{ rows: Sql, drop: () => Promise<unknown> } | undefined>}
 */
export async function sharedOrders(store, r) {
  const batch = store.batch;
  if (store.dialect !== 'sqlite' || typeof batch !== 'function') return undefined;
  const select = customerOrdersSelect(store.dialect, r);
  const table = `report_orders_${++made}`;
  await batch([{ sql: `CREATE TEMP TABLE ${table} AS ${select.text}`, params: select.params }]);
  return {
    rows: raw(`SELECT order_key, ts, amount, customer FROM temp.${table}`),
    drop: () => batch([{ sql: `DROP TABLE IF EXISTS temp.${table}` }]),
  };
}
