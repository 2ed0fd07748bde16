/**
 * PostgreSQL's monthly partitions of `events` (examples/collector/partitions.mjs), on a real
 * server: a new store's partitions; each event in its month's, an event dated before the first
 * month in `events_older`, a month past next month's made when an event needs it; duplicates found
 * across months and per write key through `event_keys`; a query over one month reads that month
 * only; RETAIN_DAYS deletes the old events with their keys and drops the months wholly before its
 * cut, and an event later dated in a dropped month is stored (its partition made again, though
 * this instance still knew the old one); next month's partition made by the first insert of the
 * month before (the store's clock moved); and a store made before this version moved into the
 * partitions when it opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore, COLUMNS, type Row, type Store } from '../../examples/collector/store.mjs';
import { monthStart, partitionName } from '../../examples/collector/partitions.mjs';
import { deleteEventsBefore } from '../../examples/collector/retention.mjs';
import { computeMetrics } from '../../examples/collector/report/metrics.mjs';
import { startPostgres } from './support/postgres';
import { pageView } from './support/rows';

const DAY = 86_400_000;
const now = Date.now();
/** The start of the month `k` months from the current one. */
const month = (k: number) => monthStart(now, k);

describe('monthly partitions of events on postgres', () => {
  let pgServer: Awaited<ReturnType<typeof startPostgres>>;
  let store: Store;
  const logs: Record<string, unknown>[] = [];
  /** The partitions of events, by name. */
  const partitions = async () =>
    (
      await store.all(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`)
    ).map((r) => String(r.name));
  /** Where each event is: "partition message_id write_key". */
  const placed = async () =>
    (
      await store.all(
        'SELECT tableoid::regclass::text AS p, message_id, write_key FROM events ORDER BY message_id, write_key',
      )
    ).map((r) => `${r.p} ${r.message_id} ${r.write_key}`);
  const keys = async () =>
    (await store.all('SELECT message_id, write_key FROM event_keys ORDER BY message_id, write_key')).map(
      (r) => `${r.message_id} ${r.write_key}`,
    );

  beforeAll(async () => {
    pgServer = await startPostgres();
    store = await openStore({ databaseUrl: pgServer.url, log: (o) => logs.push(o) });
  });
  afterAll(async () => {
    await store?.close();
    await pgServer?.stop();
  });

  it('makes a new store with the older partition and one per month from three months back to next month', async () => {
    expect(await store.all("SELECT relkind FROM pg_class WHERE relname = 'events'")).toEqual([{ relkind: 'p' }]);
    expect(await partitions()).toEqual(
      [...[-3, -2, -1, 0, 1].map((k) => partitionName(month(k))), 'events_older'].sort(),
    );
    // Every partition has the indexes of events.
    const indexed = await store.all(
      `SELECT tablename, COUNT(*) AS n FROM pg_indexes WHERE tablename LIKE 'events_%' GROUP BY tablename`,
    );
    expect(new Set(indexed.map((r) => Number(r.n)))).toEqual(new Set([4]));
  });

  it('stores each event in its month, finds duplicates across months and per write key', async () => {
    const rows = [
      pageView('a', month(0) + DAY),
      pageView('b', month(-1) + DAY),
      pageView('c', month(-3) + DAY),
      pageView('d', month(-4) + DAY), // before the first month: events_older
      pageView('e', month(5) + DAY), // past next month: its partition is made
      pageView('a', month(-2) + DAY), // the same key in the same request: stored once, the first row
    ];
    expect(await store.insert(rows)).toBe(5);
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'partitions of events added', partitions: [partitionName(month(5))] }),
    );
    // Delivered again, its time anchored to another receive time in another month; and the same
    // id under another write key, another site's event.
    expect(
      await store.insert([pageView('b', month(-2) + 5 * DAY), pageView('b', month(-1) + DAY, { write_key: 'other' })]),
    ).toBe(1);
    expect(await placed()).toEqual([
      `${partitionName(month(0))} a k`,
      `${partitionName(month(-1))} b k`,
      `${partitionName(month(-1))} b other`,
      `${partitionName(month(-3))} c k`,
      'events_older d k',
      `${partitionName(month(5))} e k`,
    ]);
    expect(await keys()).toEqual(['a k', 'b k', 'b other', 'c k', 'd k', 'e k']);
  });

  it("reads only the month's partition for a range within a month", async () => {
    const plan = JSON.stringify(
      await store.all('EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM events WHERE ts >= ? AND ts < ?', [
        month(-1),
        month(-1) + 10 * DAY,
      ]),
    );
    const scanned = [...plan.matchAll(/"Relation Name":\s*"(\w+)"/g)].map((m) => m[1]);
    expect(scanned).toEqual([partitionName(month(-1))]);
  });

  it('deletes old events with their keys and drops the months wholly before the cut (RETAIN_DAYS)', async () => {
    await store.insert([pageView('f', month(-1) + 20 * DAY)]);
    const cut = month(-1) + 10 * DAY;
    // d (older), c (three months back), b and b/other (last month, before the cut).
    expect(await deleteEventsBefore(store, cut)).toBe(4);
    expect(await placed()).toEqual([
      `${partitionName(month(0))} a k`,
      `${partitionName(month(5))} e k`,
      `${partitionName(month(-1))} f k`,
    ]);
    expect(await keys()).toEqual(['a k', 'e k', 'f k']);
    // The months wholly before the cut are gone, tables and all; the older partition stays.
    expect(await partitions()).toEqual([...[-1, 0, 1, 5].map((k) => partitionName(month(k))), 'events_older'].sort());
    expect(await store.all(`SELECT to_regclass('${partitionName(month(-3))}') AS t`)).toEqual([{ t: null }]);
    expect(await deleteEventsBefore(store, cut)).toBe(0);

    // An event dated in a dropped month (an import): its partition is made again, though this
    // instance had it in its list; and c, whose key went with it, is stored again.
    expect(await store.insert([pageView('c', month(-3) + 2 * DAY)])).toBe(1);
    expect(await placed()).toContain(`${partitionName(month(-3))} c k`);
  });

  it("makes next month's partition in the month before, on the first insert of the month", async () => {
    // This instance's clock moves into next month: its first insert there makes the month after.
    let clock = now;
    const moved: Record<string, unknown>[] = [];
    const later = await openStore({ databaseUrl: pgServer.url, log: (o) => moved.push(o), now: () => clock });
    try {
      expect(await partitions()).not.toContain(partitionName(month(2)));
      clock = month(1) + 2 * DAY;
      expect(await later.insert([pageView('g', clock)])).toBe(1);
      // Made in the background, no row needing it yet: bounded wait for its log line.
      for (let i = 0; i < 100 && !moved.some((l) => l.msg === 'partitions of events added'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(moved).toContainEqual(
        expect.objectContaining({ msg: 'partitions of events added', partitions: [partitionName(month(2))] }),
      );
      expect(await partitions()).toContain(partitionName(month(2)));
      // Once a month: the next insert adds nothing.
      expect(await later.insert([pageView('h', clock + 1000)])).toBe(1);
      expect(moved.filter((l) => l.msg === 'partitions of events added')).toHaveLength(1);
    } finally {
      await later.close();
    }
  });

  it('moves the events of a store made before this version into the partitions when it opens', async () => {
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query('CREATE DATABASE engagekit_unpartitioned');
    await admin.end();
    const url = pgServer.url.replace(/\/[^/?]+(\?|$)/, '/engagekit_unpartitioned$1');
    const old = new pg.Client({ connectionString: url });
    await old.connect();
    // The events table as the previous version made it: one table keyed by (write_key, message_id).
    await old.query(`CREATE TABLE events (message_id TEXT NOT NULL, write_key TEXT NOT NULL, type TEXT NOT NULL,
      event TEXT, name TEXT, anonymous_id TEXT, user_id TEXT, session_id TEXT, session_index INTEGER,
      page_count INTEGER, path TEXT, url TEXT, referrer TEXT, ts BIGINT NOT NULL, received_at BIGINT NOT NULL,
      properties TEXT NOT NULL, context TEXT NOT NULL, PRIMARY KEY (write_key, message_id))`);
    await old.query('CREATE INDEX events_ts ON events (ts)');
    await old.query("CREATE INDEX events_identify ON events (write_key, anonymous_id, ts) WHERE type = 'identify'");
    const rows = [
      pageView('m1', month(-2) + DAY),
      pageView('m2', month(0) + DAY),
      pageView('m3', month(-30)), // older than a migration keeps apart
      pageView('m4', month(8) + DAY), // dated past next month (before times were clamped)
    ];
    for (const r of rows)
      await old.query(
        `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
        COLUMNS.map((c) => r[c as keyof Row]),
      );
    await old.end();

    const migratedLogs: Record<string, unknown>[] = [];
    const migrated = await openStore({ databaseUrl: url, log: (o) => migratedLogs.push(o) });
    try {
      expect(migratedLogs[0]).toMatchObject({
        msg: 'store migrated: events are partitioned by month, and unique per (write_key, message_id)',
        events: 4,
      });
      const where = await migrated.all(
        'SELECT tableoid::regclass::text AS p, message_id FROM events ORDER BY message_id',
      );
      // Twelve months back at most get partitions of their own; m3 is older.
      expect(where).toEqual([
        { p: partitionName(month(-2)), message_id: 'm1' },
        { p: partitionName(month(0)), message_id: 'm2' },
        { p: 'events_older', message_id: 'm3' },
        { p: partitionName(month(8)), message_id: 'm4' },
      ]);
      expect(await migrated.all("SELECT to_regclass('events_unpartitioned') AS t")).toEqual([{ t: null }]);
      // Its keys came along: each event again is a duplicate.
      expect(await migrated.insert(rows.map((r) => ({ ...r, ts: r.ts + 1000 })))).toBe(0);
      expect(await migrated.insert([pageView('m5', now)])).toBe(1);
      const range = { from: month(-2), to: month(1) };
      expect(await computeMetrics(migrated, range, { source: 'rollup' })).toEqual(
        await computeMetrics(migrated, range, { source: 'raw' }),
      );
    } finally {
      await migrated.close();
    }
  });
});
