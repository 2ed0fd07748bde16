/**
 * The report never holds up ingest: on SQLite its queries run in a worker thread with their own
 * read-only connection. Proved by order, not by time: while a heavy report (raw events, a range
 * that is not whole days, over 30,000 events) is being computed, an ingest POST and /health are
 * answered, and only then the report. With the queries on the collector's own thread, the POST
 * would wait for the report and come second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../examples/collector/server.mjs';
import { openReader } from '../../examples/collector/report/reader.mjs';
import { ekBatch, ekMessage } from './support/messages';

const DAY = 86_400_000;
const D0 = Date.UTC(2024, 4, 1);
const N = 30_000;

describe('the report off the ingest thread (SQLite)', () => {
  let dir: string;
  let c: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-worker-'));
    // The collector makes the store, then events are written straight into its table: quick to
    // make. Its rollups are rebuilt from them when it opens again (the report finds its site there).
    await (await startCollector({ dataDir: dir, log: () => undefined })).close();
    const db = new Database(join(dir, 'engagekit.sqlite'));
    db.pragma('busy_timeout = 5000');
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${N - 1})
      INSERT INTO events (message_id, write_key, type, event, anonymous_id, session_id, session_index, page_count,
        path, ts, received_at, properties, context)
      SELECT 'gen-' || i, 'k', CASE WHEN i % 5 = 0 THEN 'page' ELSE 'track' END,
        CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN 'Session Started' WHEN 2 THEN 'Page Engagement'
          WHEN 3 THEN 'Order Completed' ELSE 'Cart Started' END,
        'a' || (i / 20), 's' || (i / 7), 1, 1, '/p' || (i % 50), ${D0} + i * 40000, ${D0} + i * 40000,
        json_object('engaged_ms', i % 30000, 'order_id', 'o' || i, 'revenue', i % 100, 'currency', 'EUR',
          'source', 'src' || (i % 10), 'landing_path', '/p' || (i % 50)), '{}'
      FROM n`);
    db.exec('DELETE FROM rollup_meta');
    db.close();
    c = await startCollector({ dataDir: dir, log: () => undefined });
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an ingest POST and /health while a heavy report is still being computed', async () => {
    const answered: string[] = [];
    // Not whole days: computed from the raw events, the slow way.
    const report = fetch(`${c.url}/api/metrics?from=${D0 + 1}&to=${D0 + 30 * DAY}`).then(async (r) => {
      answered.push('report');
      return { status: r.status, body: await r.json() };
    });
    // Time for the request to reach the worker (a delay, not a measure).
    await new Promise((r) => setTimeout(r, 300));
    const m = ekMessage();
    const ingest = await fetch(`${c.url}/v1/batch`, { method: 'POST', body: JSON.stringify(ekBatch([m])) });
    answered.push('ingest');
    const health = await fetch(`${c.url}/health`);
    answered.push('health');
    expect([ingest.status, health.status]).toEqual([200, 200]);
    const { status, body } = await report;
    expect(status).toBe(200);
    expect(body.summary.sessions).toBeGreaterThan(1000);
    expect(answered).toEqual(['ingest', 'health', 'report']);
  });

  it('ends a query over its time limit, and the next query gets a new worker', async () => {
    const reader = openReader(join(dir, 'engagekit.sqlite'), { timeoutMs: 2000 });
    try {
      const endless = 'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) AS n FROM n';
      await expect(reader.all(endless)).rejects.toThrow(/over 2000 ms/);
      expect(await reader.all('SELECT COUNT(*) AS n FROM events WHERE ts >= ?', [D0])).toEqual([{ n: N + 1 }]);
    } finally {
      await reader.close();
    }
  });
});
