/**
 * Sites (write keys) on both backends: an event is unique per write key and messageId, so one
 * site's ids never hide another's events; the report counts one site's events (the same ids in two
 * sites are two sessions, visitors, orders), lists the sites, and refuses to guess among several;
 * and a store made before all this is migrated when it opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../examples/collector/server.mjs';
import { openStore, COLUMNS, type Row, type Store } from '../../examples/collector/store.mjs';
import { computeMetrics, computeTable } from '../../examples/collector/report/metrics.mjs';
import { SiteError, listSites } from '../../examples/collector/report/sites.mjs';
import { startPostgres } from './support/postgres';
import { ekBatch, ekMessage } from './support/messages';
import { messages, sessionId } from './report.fixture';
import { storedRow } from './support/rows';

type Collector = Awaited<ReturnType<typeof startCollector>>;

const MAY = { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 5, 1) };
const query = `from=2024-05-01&to=2024-05-31`;

describe.each(['sqlite', 'postgres'] as const)('sites on %s', (kind) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let c: Collector;
  const post = (body: unknown) =>
    fetch(`${c.url}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(body),
    });
  const get = (path: string) => fetch(c.url + path);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-sites-'));
    if (kind == 'postgres') pgServer = await startPostgres();
    c = await startCollector({ dataDir: dir, databaseUrl: pgServer?.url, log: () => undefined });
  });
  afterAll(async () => {
    await c?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a messageId once per write key: twice under two keys, once when sent twice under one', async () => {
    const m = ekMessage();
    const other = ekMessage();
    const results = [];
    for (const writeKey of ['site-a', 'site-b', 'site-a'])
      results.push(await (await post(ekBatch([m], undefined, writeKey))).json());
    expect(results.map((r) => [r.accepted, r.duplicates])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    // The same in one group commit: requests under way at once.
    const together = await Promise.all(
      ['site-a', 'site-b', 'site-b', 'site-c'].map(async (k) => (await post(ekBatch([other], undefined, k))).json()),
    );
    expect(together.reduce((n, r) => n + r.accepted, 0)).toBe(3);
    const stored = await c.store.all(
      'SELECT write_key, message_id FROM events WHERE message_id IN (?, ?) ORDER BY message_id, write_key',
      [m.messageId, other.messageId],
    );
    expect(stored.filter((r) => r.message_id == m.messageId).map((r) => r.write_key)).toEqual(['site-a', 'site-b']);
    expect(stored.filter((r) => r.message_id == other.messageId).map((r) => r.write_key)).toEqual([
      'site-a',
      'site-b',
      'site-c',
    ]);
  });

  describe('the report', () => {
    // shop-a: the five sessions of report.fixture.ts; shop-b: S3 only, with the same message,
    // session and visitor ids. Each site's report sees its own.
    beforeAll(async () => {
      const all = messages();
      const s3 = all.filter((m) => m.context.session.id == sessionId('S3'));
      for (const [batch, writeKey] of [
        [all, 'shop-a'],
        [s3, 'shop-b'],
      ] as const) {
        const r = await post({ batch, writeKey });
        expect(r.status).toBe(200);
      }
    });

    it('counts each site alone, from the events and from the rollups', async () => {
      for (const source of ['raw', 'rollup'] as const) {
        const a = await computeMetrics(c.store.report, MAY, { source, site: 'shop-a' });
        const b = await computeMetrics(c.store.report, MAY, { source, site: 'shop-b' });
        expect(a.site).toBe('shop-a');
        expect(a.summary).toMatchObject({ sessions: 5, visitors: 4, pageviews: 11, orders: 2, revenue: 65 });
        // S3: three pages, a cart, order o1 (revenue 25).
        expect(b.summary).toMatchObject({
          sessions: 1,
          visitors: 1,
          pageviews: 3,
          orders: 1,
          revenue: 25,
          cartStarts: 1,
        });
        expect(await computeTable(c.store.report, 'funnel', MAY, undefined, source, 'shop-b')).toEqual(b.tables.funnel);
      }
    });

    it('lists the sites, the busiest first', async () => {
      const sites = await listSites(c.store.report);
      expect(sites.map((s) => s.site).slice(0, 2)).toEqual(['shop-a', 'shop-b']);
      expect(sites[1]).toMatchObject({ firstDay: '2024-05-12', lastDay: '2024-05-12' });
      expect(sites[0].events).toBeGreaterThan(sites[1].events);
      const res = await get('/api/sites');
      expect(res.status).toBe(200);
      expect((await res.json()).sites.map((s: { site: string }) => s.site)).toEqual(sites.map((s) => s.site));
    });

    it('answers ?site= over HTTP, refuses to guess among several sites, 404 for a site without events', async () => {
      const a = await (await get(`/api/metrics?${query}&site=shop-a`)).json();
      const b = await (await get(`/api/metrics?${query}&site=shop-b`)).json();
      expect([a.site, a.summary.sessions, b.site, b.summary.sessions]).toEqual(['shop-a', 5, 'shop-b', 1]);

      const several = await get(`/api/metrics?${query}`);
      expect(several.status).toBe(400);
      const body = await several.json();
      expect(body.error).toMatch(/several sites/);
      expect(body.sites.map((s: { site: string }) => s.site)).toContain('shop-b');
      await expect(computeMetrics(c.store.report, MAY)).rejects.toThrow(SiteError);

      const unknown = await get(`/api/metrics?${query}&site=nobody`);
      expect(unknown.status).toBe(404);
      expect((await get(`/api/metrics?${query}&site=${'x'.repeat(201)}`)).status).toBe(400);

      const csv = await get(`/api/export/pages.csv?${query}&site=shop-b`);
      expect(csv.status).toBe(200);
      // The file names its site, made safe for a file name.
      expect(csv.headers.get('content-disposition')).toMatch(/filename="engagekit-shop-b-pages-\d{4}-\d{2}-\d{2}-to-/);
      const lines = (await csv.text()).trim().split('\n');
      // S3's pages only: /, /products/1 and /checkout.
      expect(lines.length).toBe(1 + b.tables.pages.length);
      expect((await get(`/api/export/pages.csv?${query}`)).status).toBe(400);
    });
  });

  it('migrates a store made before events were unique per write key (PostgreSQL: into monthly partitions), and rebuilds its rollups', async () => {
    const logs: Record<string, unknown>[] = [];
    const row = (id: string, writeKey: string, ts: number): Row =>
      storedRow({
        message_id: id,
        write_key: writeKey,
        type: 'page',
        anonymous_id: 'a1',
        session_id: 's1',
        session_index: 1,
        page_count: 1,
        path: '/',
        ts,
      });
    const old = [row('m1', 'old', MAY.from + 1000), row('m2', 'old', MAY.from + 2000)];
    let store: Store;
    if (kind == 'sqlite') {
      const oldDir = join(dir, 'old');
      mkdirSync(oldDir);
      const db = new Database(join(oldDir, 'engagekit.sqlite'));
      for (const statement of OLD_SCHEMA) db.exec(statement);
      const ins = db.prepare(
        `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      );
      for (const r of old) ins.run(COLUMNS.map((col) => r[col as keyof Row]));
      db.close();
      store = await openStore({ dataDir: oldDir, log: (o) => logs.push(o) });
    } else {
      const admin = new pg.Client({ connectionString: pgServer!.url });
      await admin.connect();
      await admin.query('CREATE DATABASE engagekit_old');
      await admin.end();
      const url = pgServer!.url.replace(/\/[^/?]+(\?|$)/, '/engagekit_old$1');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const statement of OLD_SCHEMA) await client.query(statement);
      for (const r of old)
        await client.query(
          `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          COLUMNS.map((col) => r[col as keyof Row]),
        );
      await client.end();
      store = await openStore({ databaseUrl: url, log: (o) => logs.push(o) });
    }
    try {
      expect(logs.map((l) => l.msg)).toEqual([
        kind == 'sqlite'
          ? 'store migrated: events are now unique per (write_key, message_id)'
          : 'store migrated: events are partitioned by month, and unique per (write_key, message_id)',
        'rollups rebuilt from the events',
      ]);
      expect(logs[0]).toMatchObject({ level: 'info', events: 2 });
      // m1 again under the same key: a duplicate; under another: another site's event.
      expect(await store.insert([row('m1', 'old', MAY.from + 1000)])).toBe(0);
      expect(await store.insert([row('m1', 'new', MAY.from + 3000)])).toBe(1);
      for (const site of ['old', 'new']) {
        const fromEvents = await computeMetrics(store, MAY, { source: 'raw', site });
        expect(await computeMetrics(store, MAY, { source: 'rollup', site })).toEqual(fromEvents);
        expect(fromEvents.summary.pageviews).toBe(site == 'old' ? 2 : 1);
      }
    } finally {
      await store.close();
    }
  });
});

/**
 * The events table as stores made before version 5 of the rollups had it (messageId alone the
 * key), with two rollup tables of version 4 whose indexes have since changed their columns.
 */
const OLD_SCHEMA = [
  `CREATE TABLE events (
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
  'CREATE INDEX events_ts ON events (ts)',
  'CREATE TABLE rollup_session_totals (session_id TEXT NOT NULL UNIQUE, first_day INTEGER NOT NULL, last_day INTEGER NOT NULL, PRIMARY KEY (first_day, session_id))',
  'CREATE INDEX rollup_session_totals_span ON rollup_session_totals (last_day) WHERE first_day < last_day',
  'CREATE TABLE rollup_visitors (anonymous_id TEXT NOT NULL, day INTEGER NOT NULL, session_key TEXT NOT NULL, session_index INTEGER, PRIMARY KEY (anonymous_id, day, session_key))',
  'CREATE INDEX rollup_visitors_day ON rollup_visitors (day, anonymous_id, session_key, session_index)',
  'CREATE TABLE rollup_meta (version INTEGER NOT NULL)',
  'INSERT INTO rollup_meta (version) VALUES (4)',
];
