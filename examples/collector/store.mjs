// Where the collector keeps events: SQLite embedded (one file under the data directory) by
// default, PostgreSQL when DATABASE_URL is set. Same table, same queries (written with `?`
// placeholders), and nothing kept in memory between requests, so several collector instances can
// share one PostgreSQL (or one SQLite file on one machine).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Store
 * @property {'sqlite' | 'postgres'} dialect
 * @property {(rows: Row[]) => Promise<number>} insert  rows newly stored (a messageId already stored is skipped); committed when it resolves
 * @property {(sql: string, params?: unknown[]) => Promise<Record<string, any>[]>} all  a query with `?` placeholders
 * @property {() => Promise<void>} close
 *
 * @typedef {{ message_id: string, write_key: string, type: string, event: string | null, name: string | null,
 *   anonymous_id: string | null, user_id: string | null, session_id: string | null, session_index: number | null,
 *   page_count: number | null, path: string | null, url: string | null, referrer: string | null, ts: number,
 *   received_at: number, properties: string, context: string }} Row
 */

/** The columns of `events`, in insert order. */
export const COLUMNS = [
  'message_id',
  'write_key',
  'type',
  'event',
  'name',
  'anonymous_id',
  'user_id',
  'session_id',
  'session_index',
  'page_count',
  'path',
  'url',
  'referrer',
  'ts',
  'received_at',
  'properties',
  'context',
];

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
    message_id TEXT PRIMARY KEY,
    write_key TEXT NOT NULL,
    type TEXT NOT NULL,
    event TEXT,
    name TEXT,
    anonymous_id TEXT,
    user_id TEXT,
    session_id TEXT,
    session_index INTEGER,
    page_count INTEGER,
    path TEXT,
    url TEXT,
    referrer TEXT,
    ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    properties TEXT NOT NULL,
    context TEXT NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS events_ts ON events (ts)',
  'CREATE INDEX IF NOT EXISTS events_session ON events (session_id, ts)',
  'CREATE INDEX IF NOT EXISTS events_event ON events (event, ts)',
  // The report's visitor queries (returning visitors) look events up by visitor.
  'CREATE INDEX IF NOT EXISTS events_visitor ON events (anonymous_id, ts)',
];

/**
 * Open the store: PostgreSQL at `databaseUrl` when given, else SQLite at `${dataDir}/engagekit.sqlite`.
 * Creates the table and indexes when missing (safe when several instances start at once).
 *
 * @param {{ databaseUrl?: string, dataDir?: string }} [opts]
 * @returns {Promise<Store>}
 */
export async function openStore({ databaseUrl, dataDir = './data' } = {}) {
  return databaseUrl ? openPostgres(databaseUrl) : openSqlite(dataDir);
}

/** @param {string} dataDir @returns {Promise<Store>} */
async function openSqlite(dataDir) {
  const { default: Database } = await import('better-sqlite3');
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'engagekit.sqlite'));
  // busy_timeout first: another instance on the same file (starting at the same moment, or
  // writing) is waited for instead of failing, the switch to WAL included. WAL: readers (the
  // report) never block the writer.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const s of SCHEMA) db.exec(s);
  const ins = db.prepare(
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (message_id) DO NOTHING`,
  );
  // One transaction per request: all of its messages are committed, or none (then the SDK retries).
  const insertAll = db.transaction((/** @type {Row[]} */ rows) =>
    rows.reduce((n, r) => n + ins.run(COLUMNS.map((c) => r[c])).changes, 0),
  );
  return {
    dialect: 'sqlite',
    insert: async (rows) => (rows.length ? insertAll.immediate(rows) : 0),
    all: async (sql, params = []) => db.prepare(sql).all(params.map((p) => (typeof p == 'boolean' ? Number(p) : p))),
    close: async () => db.close(),
  };
}

/** The SQL type of each column, for PostgreSQL's arrays. */
const PG_TYPES = { session_index: 'integer', page_count: 'integer', ts: 'bigint', received_at: 'bigint' };
const INSERT_PG = `INSERT INTO events (${COLUMNS.join(', ')}) SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[/** @type {keyof PG_TYPES} */ (c)] || 'text'}[]`).join(', ')}) ON CONFLICT (message_id) DO NOTHING`;

/** `?` placeholders to PostgreSQL's `$1, $2, …`, leaving quoted text alone. @param {string} sql */
export function numbered(sql) {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m == '?' ? '$' + ++n : m));
}

/** @param {string} url @returns {Promise<Store>} */
async function openPostgres(url) {
  const { default: pg } = await import('pg');
  // BIGINT (20) and NUMERIC (1700) arrive as strings by default; our values fit in a double.
  const types = {
    getTypeParser: (/** @type {number} */ oid, /** @type {any} */ format) =>
      oid == 20 || oid == 1700 ? Number : pg.types.getTypeParser(oid, format),
  };
  // A database that does not answer must not hold requests for ever: after 5 s the request gets
  // a 503 and the SDK retries later.
  const pool = new pg.Pool({ connectionString: url, max: 10, types, connectionTimeoutMillis: 5000, keepAlive: true });
  // A failed idle connection must not crash the process: the next query reports it (503).
  pool.on('error', () => undefined);
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // Two instances creating the table at once race in the catalog: one at a time.
    await c.query('SELECT pg_advisory_xact_lock(7411001)');
    for (const s of SCHEMA) await c.query(s);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
  return {
    dialect: 'postgres',
    async insert(rows) {
      if (!rows.length) return 0;
      // Sorted by message_id, so two requests holding some of the same ids (two instances given
      // one batch) take their row locks in the same order and cannot deadlock.
      const sorted = [...rows].sort((a, b) => (a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0));
      // One array per column, not one parameter per value: a 500 KB batch of small messages is
      // well over PostgreSQL's 65 535 parameters, and would fail (503, retried for ever) as VALUES.
      // One statement, so one implicit transaction: all of the request's rows or none.
      const r = await pool.query(
        INSERT_PG,
        COLUMNS.map((c) => sorted.map((r) => r[c])),
      );
      return r.rowCount ?? 0;
    },
    all: async (sql, params = []) => (await pool.query(numbered(sql), params)).rows,
    close: () => pool.end(),
  };
}
