// A report's customer orders, read once for its three customer queries (the summary's customer
// keys, the customers and order retention tables: customers.mjs), which each read every order
// from the events with an identity looked up per order (over 10M events 1.3 s apiece on SQLite,
// about 2 s on PostgreSQL). The rows are customerOrdersSelect's for the report's range, in a
// temporary table named per report and dropped when it ends.
//
// SQLite: a temporary table of the report's connection (the worker's). PostgreSQL, whose pool
// runs a report's queries on several connections at once: one connection is held for the report's
// customer queries and the table is made on it, then analysed (rows of a shared unlogged table
// were tried first: its planner, seeing the table as empty, ran order retention's join as a nested
// loop, 21 s over 10M events, against 2.4 s reading the events).
import { raw } from './sql.mjs';
import { customerOrdersSelect } from './customers.mjs';

/** @typedef {import('./sql.mjs').Sql} Sql @typedef {import('./metrics.mjs').Store} Store */

/** Tables of shared orders made so far: each report's has its own name. */
let made = 0;
const COLUMNS = 'order_key, ts, amount, customer';

/**
 * Reads a report's customer orders once, where the store can keep a temporary table (SQLite's
 * `batch`, PostgreSQL's `connect`). Returns the relation its customer queries read them from (as
 * customers.mjs' customerOrders takes it), the store those queries must run on, and how to drop
 * the table once the report has ended; none elsewhere.
 *
 * @param {Store} store @param {{ from: number, to: number, site: string }} r
 * @returns {Promise<{ rows: Sql, store: Store, drop: () => Promise<unknown> } | undefined>}
 */
export async function sharedOrders(store, r) {
  const select = customerOrdersSelect(store.dialect, r);
  const table = `report_orders_${++made}`;
  const rows = raw(`SELECT ${COLUMNS} FROM ${table}`);
  const batch = store.batch;
  if (store.dialect === 'sqlite' && typeof batch === 'function') {
    await batch([{ sql: `CREATE TEMP TABLE ${table} AS ${select.text}`, params: select.params }]);
    return { rows, store, drop: () => batch([{ sql: `DROP TABLE IF EXISTS temp.${table}` }]) };
  }
  if (store.dialect !== 'postgres' || typeof store.connect !== 'function') return undefined;
  const connection = await store.connect();
  try {
    await connection.all(
      `CREATE TEMP TABLE ${table} (order_key TEXT, ts BIGINT, amount DOUBLE PRECISION, customer TEXT)`,
    );
    await connection.all(`INSERT INTO ${table} (${COLUMNS}) ${select.text}`, select.params);
    // Statistics, so its rows are planned as the tens of thousands they may be.
    await connection.all(`ANALYZE ${table}`);
  } catch (e) {
    connection.release(e);
    throw e;
  }
  return {
    rows,
    store: connection,
    drop: async () => {
      try {
        await connection.all(`DROP TABLE IF EXISTS ${table}`);
        connection.release();
      } catch (e) {
        connection.release(e);
      }
    },
  };
}
