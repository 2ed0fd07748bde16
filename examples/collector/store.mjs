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
export const COLUMNS = ['message_id', 'write_key', 'type', 'event', 'name', 'anonymous_id', 'user_id', 'session_id', 'session_index', 'page_count', 'path', 'url', 'referrer', 'ts', 'received_at', 'properties', 'context'];

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
  // WAL: readers (the report) never block the writer; busy_timeout: another instance on the same
  // file waits its turn instead of failing.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  for (const s of SCHEMA) db.exec(s);
  const ins = db.prepare(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (message_id) DO NOTHING`);
  // One transaction per request: all of its messages are committed, or none (then the SDK retries).
  const insertAll = db.transaction((/** @type {Row[]} */ rows) => rows.reduce((n, r) => n + ins.run(COLUMNS.map((c) => r[c])).changes, 0));
  return {
    dialect: 'sqlite',
    insert: async (rows) => (rows.length ? insertAll.immediate(rows) : 0),
    all: async (sql, params = []) => db.prepare(sql).all(params.map((p) => (typeof p == 'boolean' ? Number(p) : p))),
    close: async () => db.close(),
  };
}

/** `?` placeholders to PostgreSQL's `$1, $2, …`, leaving quoted text alone. @param {string} sql */
export function numbered(sql) {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m == '?' ? '$' + ++n : m));
}

/** @param {string} url @returns {Promise<Store>} */
async function openPostgres(url) {
  const { default: pg } = await import('pg');
  // BIGINT (20) and NUMERIC (1700) arrive as strings by default; our values fit in a double.
  const types = { getTypeParser: (/** @type {number} */ oid, /** @type {any} */ format) => (oid == 20 || oid == 1700 ? Number : pg.types.getTypeParser(oid, format)) };
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
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
      const values = rows.map((_, i) => '(' + COLUMNS.map((__, j) => '$' + (i * COLUMNS.length + j + 1)).join(', ') + ')');
      // One statement, so one implicit transaction: all of the request's rows or none.
      const r = await pool.query(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (message_id) DO NOTHING`, rows.flatMap((r) => COLUMNS.map((c) => r[c])));
      return r.rowCount ?? 0;
    },
    all: async (sql, params = []) => (await pool.query(numbered(sql), params)).rows,
    close: () => pool.end(),
  };
}
