// Where the collector keeps events: SQLite embedded (one file under the data directory) by
// default, PostgreSQL when DATABASE_URL is set. Same table, same queries (written with `?`
// placeholders), and nothing kept in memory between requests, so several collector instances can
// share one PostgreSQL (or one SQLite file on one machine).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROLLUP_META,
  ROLLUP_TABLES,
  ROLLUP_VERSION,
  fixPostgresKeys,
  MIGRATES_FROM,
  rollupMigration,
  rollupCte,
  rollupRebuild,
  rollupSchema,
  rollupUpdates,
} from './rollups.mjs';
import { DAY_CACHE_TABLES, dayCacheSchema } from './report/dayCache.mjs';
import { COHORT_CACHE_TABLES, cohortCacheSchema } from './report/cohortCache.mjs';
import { ACTIVITY_CACHE_TABLES, activityCacheSchema } from './report/activityCache.mjs';
import { raw } from './report/sql.mjs';
import { addMonths, firstMonths, monthStart, OLDER, partitionName, partitionsOf } from './partitions.mjs';
import { openReader, sqliteParams } from './report/reader.mjs';
import { Worker } from 'node:worker_threads';

/**
 * @typedef {object} Store
 * @property {'sqlite' | 'postgres'} dialect
 * @property {(rows: Row[]) => Promise<number>} insert  rows newly stored (a messageId already stored under
 *   the same write key is skipped); committed when it resolves
 * @property {(sql: string, params?: unknown[]) => Promise<Record<string, any>[]>} all  a query with `?` placeholders
 * @property {boolean} rollups  whether the rollup tables are kept (rollups.mjs)
 * @property {Batch} [batch]  statements run in order in one transaction, none returning rows (SQLite:
 *   what the report's day cache writes, report/dayCache.mjs)
 * @property {() => Promise<Connection>} [connect]  PostgreSQL: one connection of the pool, held until
 *   released (what a report's temporary table needs: report/sharedOrders.mjs)
 * @property {{ dialect: 'sqlite' | 'postgres', rollups: boolean, all: Store['all'], batch?: Batch, connect?: () => Promise<Connection> }} report  where the
 *   report's queries run: a worker thread with its own read-only connection (SQLite), or a pool
 *   of its own (PostgreSQL), so a long report never holds up ingest
 * @typedef {(statements: Array<{ sql: string, params?: unknown[] }>) => Promise<void>} Batch
 * @typedef {{ dialect: 'postgres', rollups: boolean, all: Store['all'], release: (error?: unknown) => void }} Connection
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

/**
 * The events table, under `name` (a migration builds it under another name first). An event is
 * identified by its write key and its messageId together: each site's SDKs make their own ids, so
 * one site's id must not hide another site's event (which `message_id` alone as the key did).
 * PostgreSQL's is partitioned by month of `ts` (partitions.mjs), and the key is kept in
 * `event_keys`: a partitioned table's unique key must hold its partition key.
 * @param {string} name @param {{ partitioned?: boolean }} [opts]
 */
const eventsTable = (name, { partitioned = false } = {}) => `CREATE TABLE IF NOT EXISTS ${name} (
    message_id TEXT NOT NULL,
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
    context TEXT NOT NULL${partitioned ? '\n  ) PARTITION BY RANGE (ts)' : ',\n    PRIMARY KEY (write_key, message_id)\n  )'}`;

/** PostgreSQL: the key of every event stored, which finds duplicates (see eventsTable). */
const EVENT_KEYS = `CREATE TABLE IF NOT EXISTS event_keys (
    write_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (write_key, message_id)
  )`;

/** The unique key of `events`: a row newly stored is one whose pair is not there yet. */
const EVENT_KEY = 'write_key, message_id';

/** The indexes of `events` (on PostgreSQL, of every partition). */
const EVENT_INDEXES = [
  'CREATE INDEX IF NOT EXISTS events_ts ON events (ts)',
  // No query looks events up by session since the rollups (rollups.mjs) keep the sessions, and
  // its random inserts cost every event a page write: a store made before goes without it too.
  'DROP INDEX IF EXISTS events_session',
  'CREATE INDEX IF NOT EXISTS events_event ON events (event, ts)',
  // The report's visitor queries (returning visitors) look events up by visitor.
  'CREATE INDEX IF NOT EXISTS events_visitor ON events (anonymous_id, ts)',
  // Who a customer is: each anonymous id's identify() messages (report/customers.mjs). Partial, so
  // it costs nothing on the other events; a store made before it gets it when it opens. In the
  // order of the lookup's ORDER BY (ts, message_id), so the latest is the first entry it reads:
  // over PostgreSQL's monthly partitions the lookup then stops in the newest month that has one,
  // where sorting each visitor's identify messages read every month (events_identify, on
  // write_key, anonymous_id, ts only: 235 ms against 187 for 7,482 orders over 1M events).
  'DROP INDEX IF EXISTS events_identify',
  "CREATE INDEX IF NOT EXISTS events_identify_latest ON events (write_key, anonymous_id, ts, message_id) WHERE type = 'identify'",
];

const SCHEMA = [eventsTable('events'), ...EVENT_INDEXES];

/** @typedef {(o: Record<string, unknown>) => void} Log  one structured log line */

/**
 * A PostgreSQL client's queries as a function giving their rows (partitions.mjs's Query).
 * @param {import('pg').PoolClient} c @returns {import('./partitions.mjs').Query}
 */
const rowsOf =
  (c) =>
  async (sql, params = []) =>
    (await c.query(sql, params)).rows;

/** Whole ms since `started` (performance.now()). @param {number} started */
const elapsed = (started) => Math.round(performance.now() - started);
/** Logged once a store of the rollups' version before has this one's (rollupMigration). */
const MIGRATED_SPANS =
  "store migrated: the rollups keep each visitor's span and each page's days and visitors' last days";

/** JSON lines on stdout, as the collector logs. @type {Log} */
const stdoutLog = (o) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');

/**
 * Open the store: PostgreSQL at `databaseUrl` when given, else SQLite at `${dataDir}/engagekit.sqlite`.
 * Creates the table and indexes when missing (safe when several instances start at once), and
 * brings a store made by an older version up to date (its events' key, its rollups).
 *
 * @param {{ databaseUrl?: string, dataDir?: string, reportTimeoutMs?: number, log?: Log, now?: () => number }} [opts]
 *   `reportTimeoutMs` (30 s): the longest a report's queries may take in their worker (SQLite), or
 *   each may wait for a connection of the report's pool and then run (PostgreSQL's
 *   statement_timeout). `log`: where a migration says
 *   what it did (JSON lines on stdout by default). `now`: PostgreSQL, the clock that says which
 *   months' partitions are due (Date.now; tests move it).
 * @returns {Promise<Store>}
 */
export async function openStore({
  databaseUrl,
  dataDir = './data',
  reportTimeoutMs = 30_000,
  log = stdoutLog,
  now = Date.now,
} = {}) {
  return databaseUrl ? openPostgres(databaseUrl, reportTimeoutMs, log, now) : openSqlite(dataDir, reportTimeoutMs, log);
}

/**
 * A SQLite store made before events were keyed by (write_key, message_id) has `message_id` alone
 * as its primary key, which SQLite cannot change in place: the table is built again under the new
 * key and its rows copied, in one transaction (another process opening the file at the same time
 * waits, then finds it done), its indexes made again in that transaction.
 *
 * @param {import('better-sqlite3').Database} db @param {Log} log
 */
function migrateSqliteKey(db, log) {
  const key = () =>
    db
      .prepare("SELECT name FROM pragma_table_info('events') WHERE pk > 0 ORDER BY pk")
      .all()
      .map((/** @type {any} */ c) => c.name)
      .join(', ');
  if (key() !== 'message_id') return;
  db.transaction(() => {
    if (key() !== 'message_id') return;
    const started = performance.now();
    db.exec('DROP TABLE IF EXISTS events_rekeyed');
    db.exec(eventsTable('events_rekeyed'));
    const { changes } = db
      .prepare(`INSERT INTO events_rekeyed (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM events`)
      .run();
    db.exec('DROP TABLE events');
    db.exec('ALTER TABLE events_rekeyed RENAME TO events');
    // Its indexes too, in the same transaction: never a table without them.
    for (const statement of SCHEMA) db.exec(statement);
    log({
      level: 'info',
      msg: 'store migrated: events are now unique per (write_key, message_id)',
      events: changes,
      ms: elapsed(started),
    });
  }).immediate();
}

/**
 * PostgreSQL's events table, partitioned by month (partitions.mjs): made when missing, its
 * partitions up to next month added when missing, and a table made before this version (one
 * table, whatever its key) moved into it. That copies every event and its key, then makes the
 * indexes on the copy (faster than keeping them up row by row). Run inside the transaction that
 * holds the schema lock. Returns the partitions there are and where `events_older` ends.
 *
 * @param {import('pg').PoolClient} c @param {Log} log @param {number} now
 */
async function partitionPostgres(c, log, now) {
  const query = rowsOf(c);
  let parts = await partitionsOf(query);
  if (!parts.partitioned) {
    const started = performance.now();
    const old = parts.exists ? 'events_unpartitioned' : undefined;
    /** @type {number[]} */
    let later = [];
    /** @type {number | undefined} */
    let oldest;
    if (old) {
      // Its indexes' names are the new table's: the copy is indexed afresh.
      for (const statement of EVENT_INDEXES) {
        const name = /INDEX IF NOT EXISTS (\w+)/.exec(statement)?.[1];
        if (name) await c.query(`DROP INDEX IF EXISTS ${name}`);
      }
      await c.query(`ALTER TABLE events RENAME TO ${old}`);
      const [first] = await query(`SELECT MIN(ts) AS ts FROM ${old}`);
      oldest = first.ts == null ? undefined : Number(first.ts);
      later = (
        await query(
          `SELECT MIN(ts) AS ts FROM ${old} WHERE ts >= $1 GROUP BY date_trunc('month', to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC')`,
          [monthStart(now, 2)],
        )
      ).map((r) => Number(r.ts));
    }
    const { first, starts } = firstMonths(now, { oldest, later });
    await c.query(eventsTable('events', { partitioned: true }));
    await c.query(EVENT_KEYS);
    await c.query(`CREATE TABLE ${OLDER} PARTITION OF events FOR VALUES FROM (MINVALUE) TO (${first})`);
    parts = { ...parts, partitioned: true, olderTo: first };
    await addMonths(query, starts, parts.months);
    if (old) {
      await c.query("SET LOCAL maintenance_work_mem = '256MB'");
      await c.query(
        `INSERT INTO event_keys (${EVENT_KEY}) SELECT ${EVENT_KEY} FROM ${old} ORDER BY ${EVENT_KEY} ON CONFLICT DO NOTHING`,
      );
      const { rowCount } = await c.query(
        `INSERT INTO events (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM ${old}`,
      );
      await c.query(`DROP TABLE ${old}`);
      for (const statement of EVENT_INDEXES) await c.query(statement);
      log({
        level: 'info',
        msg: 'store migrated: events are partitioned by month, and unique per (write_key, message_id)',
        events: rowCount,
        partitions: parts.months.size + 1,
        ms: elapsed(started),
      });
    }
  } else
    await addMonths(
      query,
      [monthStart(now), monthStart(now, 1)].filter((s) => s >= parts.olderTo),
      parts.months,
    );
  return parts;
}

/** @param {string} dataDir @param {number} reportTimeoutMs @param {Log} log @returns {Promise<Store>} */
async function openSqlite(dataDir, reportTimeoutMs, log) {
  const { default: Database } = await import('better-sqlite3');
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'engagekit.sqlite'));
  // busy_timeout first: another instance on the same file (starting at the same moment, or
  // writing) is waited for instead of failing, the switch to WAL included. WAL: readers (the
  // report) never block the writer.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoints run in a worker of their own (checkpoint-worker.mjs); the writer checkpoints only
  // when the log reaches 4,000 pages (16 MB) in spite of it: a WAL can restart from its beginning
  // only once every page in it has been copied back, which a checkpoint racing the writer rarely
  // sees. The log file is cut back to 64 MB when it restarts.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('journal_size_limit = 67108864');
  // 64 MB of page cache (2 MB by default): every event enters the events table's indexes and the
  // rollups' keys at random places, and past the cache each of them is a read of the file.
  db.pragma('cache_size = -65536');
  migrateSqliteKey(db, log);
  for (const s of [...SCHEMA, ROLLUP_META]) db.exec(s);
  const version = () => db.prepare('SELECT MAX(version) AS v FROM rollup_meta').get()?.v;
  // A store made before the rollups (or with older ones): built once from its events. Checked
  // again inside the write lock, as another process may be doing it at the same moment.
  if (version() === MIGRATES_FROM)
    db.transaction(() => {
      if (version() === MIGRATES_FROM) {
        const started = performance.now();
        for (const q of rollupMigration('sqlite')) db.exec(q);
        log({ level: 'info', msg: MIGRATED_SPANS, version: ROLLUP_VERSION, ms: elapsed(started) });
      }
    }).immediate();
  if (version() !== ROLLUP_VERSION)
    db.transaction(() => {
      if (version() !== ROLLUP_VERSION) {
        const started = performance.now();
        for (const q of rollupRebuild('sqlite')) db.prepare(q.text).run(q.params);
        // Said of a store with events only: a new store makes its (empty) rollups this way too.
        if (db.prepare('SELECT 1 FROM events LIMIT 1').get())
          log({ level: 'info', msg: 'rollups rebuilt from the events', version: ROLLUP_VERSION, ms: elapsed(started) });
      }
    }).immediate();
  for (const s of rollupSchema('sqlite')) db.exec(s);
  // The rows a transaction newly stored, which the rollup statements read.
  db.exec('CREATE TEMP TABLE IF NOT EXISTS new_events AS SELECT * FROM events WHERE 0');
  const ins = db.prepare(
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (${EVENT_KEY}) DO NOTHING`,
  );
  const addNew = db.prepare(
    `INSERT INTO temp.new_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const clearNew = db.prepare('DELETE FROM temp.new_events');
  const updates = rollupUpdates('sqlite', raw('temp.new_events AS events')).map((q) => db.prepare(q.text));
  // One transaction for the requests of a group: all of their messages are committed, or none
  // (then their SDKs retry); the rollups get the events it newly stored, in the same transaction.
  // Returns the count of rows newly stored per request.
  const insertAll = db.transaction((/** @type {Row[][]} */ requests) => {
    let added = 0;
    const counts = requests.map((rows) => {
      let n = 0;
      for (const r of rows) {
        const values = COLUMNS.map((c) => r[c]);
        if (ins.run(values).changes) {
          n++;
          addNew.run(values);
        }
      }
      added += n;
      return n;
    });
    if (added) {
      for (const u of updates) u.run();
      clearNew.run();
    }
    return counts;
  });
  /**
   * Group commit: the requests that arrive while the event loop is busy are stored in one
   * transaction on its next turn, so the rollup statements and the commit are paid once for all
   * of them. Should the group fail, each request is tried on its own, so one bad request fails
   * alone.
   * @type {{ rows: Row[], resolve: (n: number) => void, reject: (e: unknown) => void }[]}
   */
  let waiting = [];
  const commit = () => {
    const group = waiting;
    waiting = [];
    if (!group.length) return;
    try {
      const counts = insertAll.immediate(group.map((g) => g.rows));
      group.forEach((g, i) => g.resolve(counts[i]));
    } catch (e) {
      if (group.length == 1) return group[0].reject(e);
      for (const g of group)
        try {
          g.resolve(insertAll.immediate([g.rows])[0]);
        } catch (e1) {
          g.reject(e1);
        }
    }
  };
  const file = join(dataDir, 'engagekit.sqlite');
  const checkpointer = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
    workerData: { file, intervalMs: 200 },
  });
  // It only makes checkpoints: it must not keep the process alive, and its end changes nothing.
  checkpointer.unref();
  checkpointer.on('error', () => undefined);
  /** @type {ReturnType<typeof openReader> | undefined} */
  let reader;
  return {
    dialect: 'sqlite',
    rollups: true,
    insert: (rows) =>
      new Promise((resolve, reject) => {
        if (!rows.length) return resolve(0);
        if (!waiting.length) setImmediate(commit);
        waiting.push({ rows, resolve, reject });
      }),
    all: async (sql, params = []) => db.prepare(sql).all(sqliteParams(params)),
    batch: async (statements) =>
      db.transaction(() => {
        for (const s of statements) db.prepare(s.sql).run(sqliteParams(s.params ?? []));
      })(),
    // Started on the first report, so a collector that never serves one has no worker.
    report: {
      dialect: 'sqlite',
      rollups: true,
      all: (sql, params) => (reader ||= openReader(file, { timeoutMs: reportTimeoutMs })).all(sql, params),
      batch: (statements) => (reader ||= openReader(file, { timeoutMs: reportTimeoutMs })).batch(statements),
    },
    close: async () => {
      commit();
      await reader?.close();
      // Held by its reference while it closes its connection (unreferenced, the process would end first).
      checkpointer.ref();
      checkpointer.postMessage('close');
      await new Promise((r) => {
        const timer = setTimeout(r, 2000);
        checkpointer.once('exit', () => r(clearTimeout(timer)));
      });
      await checkpointer.terminate();
      db.close();
    },
  };
}

/** The SQL type of each column, for PostgreSQL's arrays. */
const PG_TYPES = { session_index: 'integer', page_count: 'integer', ts: 'bigint', received_at: 'bigint' };

/**
 * PostgreSQL: the rows given as one array per column (`$1` … `$17`, in COLUMNS' order, no key twice),
 * stored unless their key is in `event_keys` already; `added`: the rows stored. The key goes in first,
 * so of two statements storing one event at once, the second waits for the first and skips it.
 */
export const INSERT_EVENTS_PG = `WITH input AS (SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[/** @type {keyof PG_TYPES} */ (c)] || 'text'}[]`).join(', ')}) AS i(${COLUMNS.join(', ')})),
fresh AS (INSERT INTO event_keys (${EVENT_KEY}) SELECT ${EVENT_KEY} FROM input ON CONFLICT DO NOTHING RETURNING ${EVENT_KEY}),
added AS (INSERT INTO events (${COLUMNS.join(', ')}) SELECT input.* FROM input JOIN fresh USING (${EVENT_KEY}) RETURNING *)`;

/**
 * The insert and the rollup updates in one statement: the rollups read the rows the insert
 * returns, which are the rows this statement stored (a messageId another instance stored first is
 * neither returned nor counted twice). Their properties are read as jsonb once per row (every
 * expression of facts.mjs casts `properties::jsonb`, a no-op on jsonb): parsing the text again
 * for each of them cost more than the insert. The keys (write key, message id) stored are returned.
 */
const INSERT_WITH_ROLLUPS = `${INSERT_EVENTS_PG},
${rollupUpdates(
  'postgres',
  raw(
    `(SELECT ${COLUMNS.map((c) => (c == 'properties' ? 'properties::jsonb AS properties' : c)).join(', ')} FROM added) AS events`,
  ),
)
  .map((q, i) => `${rollupCte(i)} AS (${q.text})`)
  .join(',\n')}
SELECT write_key, message_id FROM added`;

/**
 * One connection of a pool, held until released (with the error that ended its use, if any:
 * the pool then closes it rather than hand it out again).
 * @param {import('pg').Pool} pool @returns {Promise<Connection>}
 */
async function connection(pool) {
  const client = await pool.connect();
  // One query at a time: pg queues a query sent while another runs, but deprecates it (pg 9 drops it).
  /** @type {Promise<unknown>} */
  let last = Promise.resolve();
  return {
    dialect: 'postgres',
    rollups: true,
    all: (sql, params = []) => {
      const run = last.then(async () => (await client.query(numbered(sql), params)).rows);
      last = run.catch(() => undefined);
      return run;
    },
    release: (error) => client.release(error instanceof Error ? error : undefined),
  };
}

/**
 * `?` placeholders to PostgreSQL's `$1, $2, …`, leaving quoted text and `--` comments alone (an
 * apostrophe in a comment was read as the start of a string, and the placeholders after it lost).
 * @param {string} sql
 */
export function numbered(sql) {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\?/g, (m) => (m == '?' ? '$' + ++n : m));
}

/** Group commit on PostgreSQL: statements under way at once, and the most rows one of them takes. */
const GROUPS_RUNNING = 3;
const GROUP_ROWS = 5000;

/** An event's key as one string (neither part holds a NUL: ingest replaces it, PostgreSQL refuses it). @param {Row} r */
const keyOf = (r) => r.write_key + '\0' + r.message_id;

/** @param {string} url @param {number} reportTimeoutMs @param {Log} log @param {() => number} now @returns {Promise<Store>} */
async function openPostgres(url, reportTimeoutMs, log, now) {
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
  /** The partitions of `events` this instance knows (partitions.mjs). */
  let partitions = {
    exists: true,
    partitioned: true,
    olderTo: -Infinity,
    months: new Set(),
    pending: /** @type {string[]} */ ([]),
  };
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // Two instances creating the table at once race in the catalog: one at a time.
    await c.query('SELECT pg_advisory_xact_lock(7411001)');
    partitions = await partitionPostgres(c, log, now());
    for (const s of [...EVENT_INDEXES, ROLLUP_META]) await c.query(s);
    // A database made before the rollups (or with older ones): built once from its events.
    const [{ v }] = (await c.query('SELECT MAX(version) AS v FROM rollup_meta')).rows;
    // First: a store of the version before may have the keys of the one before it.
    const keysStarted = performance.now();
    const changed = await fixPostgresKeys(rowsOf(c));
    if (changed)
      log({ level: 'info', msg: 'store migrated: rollup keys changed', tables: changed, ms: elapsed(keysStarted) });
    if (v === MIGRATES_FROM) {
      const started = performance.now();
      for (const q of rollupMigration('postgres')) await c.query(q);
      // Statistics for the new tables and columns now: planned without them, the customers' orders
      // over 1M events took 2.1 s instead of 0.1 s.
      for (const t of ROLLUP_TABLES) await c.query(`ANALYZE ${t}`);
      log({ level: 'info', msg: MIGRATED_SPANS, version: ROLLUP_VERSION, ms: elapsed(started) });
    } else if (v !== ROLLUP_VERSION) {
      const started = performance.now();
      for (const q of rollupRebuild('postgres')) await c.query(numbered(q.text), q.params);
      if ((await c.query('SELECT 1 FROM events LIMIT 1')).rows.length) {
        // Statistics now, not when autovacuum gets to them: planned without any, a report's
        // first queries over rebuilt tables ran for minutes (campaigns over 1M events).
        for (const t of ROLLUP_TABLES) await c.query(`ANALYZE ${t}`);
        log({ level: 'info', msg: 'rollups rebuilt from the events', version: ROLLUP_VERSION, ms: elapsed(started) });
      }
    }
    // The report's day and cohort caches hold what the rollups held: rebuilt rollups start them again.
    if (v !== ROLLUP_VERSION && v !== MIGRATES_FROM)
      for (const t of [...DAY_CACHE_TABLES, ...COHORT_CACHE_TABLES, ...ACTIVITY_CACHE_TABLES])
        await c.query(`DROP TABLE IF EXISTS ${t}`);
    for (const s of [
      ...rollupSchema('postgres'),
      ...dayCacheSchema('postgres'),
      ...cohortCacheSchema('postgres'),
      ...activityCacheSchema('postgres'),
    ])
      await c.query(s);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
  // The report's queries get a small pool of their own: a long report never takes the
  // connections ingest needs.
  const reportPool = new pg.Pool({
    connectionString: url,
    max: 3,
    types,
    // A report's queries (about fifteen) queue for its three connections: waiting for one is
    // part of the report's time, not a database that does not answer (5 s failed the last ones
    // of a 4 s report).
    connectionTimeoutMillis: reportTimeoutMs,
    // And each query at most as long, ended by the server: a query the collector stopped waiting
    // for otherwise runs on (one over 10M events ran for 28 minutes after its client had gone),
    // holding a connection and its locks (a migration's ALTER TABLE waited behind it).
    statement_timeout: reportTimeoutMs,
    // No JIT compilation: PostgreSQL compiled each report query (their estimated cost is past
    // jit_above_cost) for about 1.1 s, more than most of them then ran (the funnel over 10M
    // events: 1.7 s with it, 0.55 s without).
    options: '-c jit=off',
    keepAlive: true,
  });
  reportPool.on('error', () => undefined);

  /**
   * Adds the partitions of the months starting at `starts` that are missing, in a transaction
   * holding the schema lock (another instance may be adding them too), and reads again which
   * partitions there are.
   * @param {number[]} starts
   */
  const addPartitions = async (starts) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(7411001)');
      const query = rowsOf(c);
      partitions = await partitionsOf(query);
      const made = await addMonths(
        query,
        starts.filter((s) => s >= partitions.olderTo),
        partitions.months,
      );
      await c.query('COMMIT');
      if (made.length) log({ level: 'info', msg: 'partitions of events added', partitions: made });
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  };
  /** When to make sure of next month's partition again: the start of next month. */
  let aheadCheck = monthStart(now(), 1);
  /** A month known to have its partition: most rows are in it. */
  let known = { from: monthStart(now()), to: monthStart(now(), 1) };
  /**
   * The months whose partitions `rows` need and that this instance does not know of.
   * @param {Row[]} rows
   */
  const missingMonths = (rows) => {
    const starts = [];
    for (const { ts } of rows) {
      if ((ts >= known.from && ts < known.to) || ts < partitions.olderTo) continue;
      const start = monthStart(ts);
      if (partitions.months.has(partitionName(start))) known = { from: start, to: monthStart(start, 1) };
      else starts.push(start);
    }
    return starts;
  };
  /**
   * Makes the partitions `rows` need, and once a month next month's, before it begins: that one
   * in the background, as no row needs it yet and ATTACH may wait (behind a retention pass's
   * DETACH … CONCURRENTLY, which waits for the queries under way); tried again a minute later
   * should it fail.
   * @param {Row[]} rows
   */
  const ensurePartitions = async (rows) => {
    const t = now();
    if (t >= aheadCheck) {
      aheadCheck = monthStart(t, 1);
      addPartitions([monthStart(t), monthStart(t, 1)]).catch((e) => {
        aheadCheck = now() + 60_000;
        log({ level: 'error', msg: 'adding partitions of events failed', error: String(e?.message || e) });
      });
    }
    const needed = missingMonths(rows);
    if (needed.length) await addPartitions(needed);
  };
  /**
   * Stores the rows of several requests in one statement (one implicit transaction: all of them,
   * or none) and returns the count of rows newly stored per request; a messageId sent twice in
   * the group (under the same write key) counts for the first request that has it.
   * @param {Row[][]} requests
   */
  const store = async (requests) => {
    // Sorted by key, so two statements holding some of the same keys (two instances given one
    // batch) take their row locks in the same order and cannot deadlock; a key once (the first
    // row with it: the sort keeps their order), as the statement stores every row whose key it adds.
    const sorted = requests
      .flat()
      .map((row) => ({ row, key: keyOf(row) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .filter((r, i, all) => i == 0 || all[i - 1].key !== r.key)
      .map(({ row }) => row);
    await ensurePartitions(sorted);
    // One array per column, not one parameter per value: a 500 KB batch of small messages is
    // well over PostgreSQL's 65 535 parameters, and would fail (503, retried for ever) as VALUES.
    // Named: each connection parses and plans the long statement once, not on every request.
    const insert = () =>
      pool.query({
        name: 'engagekit_insert',
        text: INSERT_WITH_ROLLUPS,
        values: COLUMNS.map((c) => sorted.map((r) => r[c])),
      });
    const r = await insert().catch(async (e) => {
      // No partition for a row: one this instance knew of was dropped since (RETAIN_DAYS, here
      // or on another instance). Read them again, make the missing ones, try once more.
      if (e?.code !== '23514' || !/no partition/.test(e.message)) throw e;
      known = { from: 0, to: 0 };
      partitions = { ...partitions, months: new Set() };
      await ensurePartitions(sorted);
      return insert();
    });
    const stored = new Set(r.rows.map((row) => keyOf(row)));
    return requests.map((rows) => rows.filter((row) => stored.delete(keyOf(row))).length);
  };
  /**
   * Group commit: while GROUPS_RUNNING statements are under way, the requests that arrive wait
   * and go together in the next one (at most GROUP_ROWS rows), so the statement, its rollup
   * upserts and the commit's WAL flush are paid once for all of them. Should a group fail, each
   * of its requests is tried on its own, so one bad request fails alone.
   * @type {{ rows: Row[], resolve: (n: number) => void, reject: (e: unknown) => void }[]}
   */
  let waiting = [];
  let running = 0;
  const pump = () => {
    while (running < GROUPS_RUNNING && waiting.length) {
      let n = 0;
      let k = 0;
      while (k < waiting.length && (k == 0 || n + waiting[k].rows.length <= GROUP_ROWS)) n += waiting[k++].rows.length;
      const group = waiting.slice(0, k);
      waiting = waiting.slice(k);
      running++;
      store(group.map((g) => g.rows))
        .then(
          (counts) => group.forEach((g, i) => g.resolve(counts[i])),
          async (e) => {
            if (group.length == 1) return group[0].reject(e);
            for (const g of group)
              await store([g.rows]).then(
                ([n]) => g.resolve(n),
                (e1) => g.reject(e1),
              );
          },
        )
        .finally(() => {
          running--;
          pump();
        });
    }
  };
  return {
    dialect: 'postgres',
    rollups: true,
    insert: (rows) =>
      new Promise((resolve, reject) => {
        if (!rows.length) return resolve(0);
        waiting.push({ rows, resolve, reject });
        pump();
      }),
    all: async (sql, params = []) => (await pool.query(numbered(sql), params)).rows,
    connect: () => connection(pool),
    report: {
      dialect: 'postgres',
      rollups: true,
      all: async (sql, params = []) => (await reportPool.query(numbered(sql), params)).rows,
      connect: () => connection(reportPool),
    },
    close: async () => {
      await reportPool.end();
      await pool.end();
    },
  };
}
