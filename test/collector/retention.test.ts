/**
 * RETAIN_DAYS (retention.mjs), on both backends: events captured before the cut are deleted, in
 * statements of 2,000 (3,500 old events take two), the recent ones and every rollup stay, so the
 * report of the old days from the rollups is unchanged. Then the collector: started with
 * retainDays on a store holding old events, its first pass deletes them and logs it; a bad value
 * is refused at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../examples/collector/store.mjs';
import { computeMetrics } from '../../examples/collector/report/metrics.mjs';
import { deleteEventsBefore } from '../../examples/collector/retention.mjs';
import { startCollector } from '../../examples/collector/server.mjs';
import { startPostgres } from './support/postgres';
import { storedRow } from './support/rows';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const OLD = 3_500;
const RECENT = 10;

/** `n` page views, one session of ten per visitor-day, `daysAgo` days before today (noon, UTC). */
function pageViews(n: number, daysAgo: number, tag: string) {
  const ts = today - daysAgo * DAY + 12 * 3_600_000;
  return Array.from({ length: n }, (_, i) =>
    storedRow({
      message_id: `${tag}-${i}`,
      type: 'page',
      anonymous_id: `${tag}-visitor-${Math.floor(i / 10)}`,
      session_id: `${tag}-session-${Math.floor(i / 10)}`,
      session_index: 1,
      page_count: (i % 10) + 1,
      path: `/p${i % 7}`,
      url: `https://shop.example/p${i % 7}`,
      ts: ts + i,
      properties: JSON.stringify({ path: `/p${i % 7}` }),
    }),
  );
}

describe.each(['sqlite', 'postgres'] as const)('deleting old events on %s', (kind) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let store: Awaited<ReturnType<typeof openStore>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-retention-'));
    if (kind === 'postgres') pgServer = await startPostgres();
    store = await openStore({ dataDir: dir, databaseUrl: pgServer?.url });
    expect(await store.insert(pageViews(OLD, 40, 'old'))).toBe(OLD);
    expect(await store.insert(pageViews(RECENT, 1, 'new'))).toBe(RECENT);
  });
  afterAll(async () => {
    await store?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the events captured before the cut, keeps the rest and the rollups', async () => {
    const oldDays = { from: today - 41 * DAY, to: today - 39 * DAY };
    const before = (await computeMetrics(store.report, oldDays)).summary;
    expect(before).toMatchObject({ sessions: OLD / 10, pageviews: OLD, visitors: OLD / 10 });
    const rollupRows = async () => Number((await store.all('SELECT COUNT(*) AS n FROM rollup_sessions'))[0].n);
    const rows = await rollupRows();

    expect(await deleteEventsBefore(store, today - 30 * DAY)).toBe(OLD);
    const left = await store.all('SELECT message_id FROM events ORDER BY message_id');
    expect(left.map((r) => r.message_id)).toEqual(
      pageViews(RECENT, 1, 'new')
        .map((r) => r.message_id)
        .sort(),
    );
    // Nothing more to delete.
    expect(await deleteEventsBefore(store, today - 30 * DAY)).toBe(0);

    expect(await rollupRows()).toBe(rows);
    expect((await computeMetrics(store.report, oldDays)).summary).toEqual(before);
  });
});

describe('RETAIN_DAYS in the collector (SQLite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-retention-'));
    const store = await openStore({ dataDir: dir });
    await store.insert([...pageViews(30, 45, 'old'), ...pageViews(5, 2, 'new')]);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes the old events at start and logs how many', async () => {
    const logged: Record<string, unknown>[] = [];
    const c = await startCollector({ dataDir: dir, retainDays: 30, log: (o) => logged.push(o as never) });
    try {
      // The first pass starts with the collector; bounded wait for its log line.
      for (let i = 0; i < 100 && !logged.some((l) => l.msg === 'old events deleted'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(logged.find((l) => l.msg === 'old events deleted')).toMatchObject({ level: 'info', deleted: 30 });
      expect(await c.store.all('SELECT COUNT(*) AS n FROM events')).toEqual([{ n: 5 }]);
    } finally {
      await c.close();
    }
  });

  it('refuses a RETAIN_DAYS that is not a whole number of days over 0', async () => {
    for (const retainDays of [0, -3, 1.5, Number.NaN])
      await expect(startCollector({ dataDir: dir, retainDays, log: () => undefined })).rejects.toThrow(/RETAIN_DAYS/);
  });
});
