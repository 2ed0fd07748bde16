/**
 * The report's cohort cache (examples/collector/report/cohortCache.mjs), on both backends, with
 * events dated around the real clock: ingest does not count today's events of a cohort's members
 * (every returning visitor brings them), so the retention table must add them live; a late event
 * or a new member of an old cohort rebuilds that cohort alone; the numbers always equal those
 * computed from the raw events. (The rollups property test checks the numbers on streams of
 * events long past, all of them late.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Row, type Store } from '../../examples/collector/store.mjs';
import { computeTable } from '../../examples/collector/report/metrics.mjs';
import { uptoOf } from '../../examples/collector/report/cohortCache.mjs';
import { storedRow } from './support/rows';
import { startPostgres } from './support/postgres';

const DAY = 86_400_000;

describe.each(['sqlite', 'postgres'] as const)('the cohort cache on %s', (kind) => {
  let dir: string;
  let store: Store;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  const today = Math.floor(Date.now() / DAY);
  let n = 0;
  /** A page view of a visitor on a day (days before today; 0: a second ago). */
  const visit = (visitor: string, daysAgo: number): Row =>
    storedRow({
      message_id: `m-${n++}`,
      type: 'page',
      anonymous_id: visitor,
      session_id: `s-${visitor}-${daysAgo}`,
      session_index: 1,
      page_count: 1,
      path: '/',
      ts: daysAgo === 0 ? Date.now() - 1000 : (today - daysAgo) * DAY + 3_600_000,
    });
  // Three weeks and today: visitor v<i> first comes 20 − i days ago, and again 3 and 9 days after.
  const range = { from: (today - 20) * DAY, to: (today + 1) * DAY };
  const marks = async () =>
    (await store.report.all('SELECT day, changes FROM cohort_cache_marks ORDER BY day')).map(
      (r) => `${Number(r.day) - today}:${r.changes}`,
    );
  const retention = (source: 'raw' | 'rollup') => computeTable(store.report, 'retention', range, undefined, source);
  const fromEvents = () => computeTable(store, 'retention', range, undefined, 'raw');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-cohorts-'));
    if (kind == 'postgres') pgServer = await startPostgres();
    store = await openStore(kind == 'postgres' ? { databaseUrl: pgServer!.url } : { dataDir: dir });
    const rows: Row[] = [];
    for (let i = 0; i < 20; i++)
      for (const after of [0, 3, 9]) if (20 - i - after >= 1) rows.push(visit(`v${i}`, 20 - i - after));
    await store.insert(rows);
  });
  afterAll(async () => {
    await store?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caches the cohorts before today, adds today live, and rebuilds only a cohort that changed', async () => {
    const first = await retention('rollup');
    expect(first).toEqual(await fromEvents());
    expect(first.reduce((t, row) => t + Number(row.visitors), 0)).toBe(20);
    // Cohorts of 20 … 1 days ago (today's is read live; yesterday's too in the first hour after
    // midnight, when a transaction of yesterday's events may not have committed).
    const built = await marks();
    const cached = uptoOf(Date.now()) - today + 20;
    expect(built.map((m) => Number(m.split(':')[0]))).toEqual(Array.from({ length: cached }, (_, i) => i - 20));

    // Returning visitors today (not counted at ingest), and a visitor new today: nothing rebuilt,
    // and today's activity counted once per member and week.
    await store.insert([visit('v0', 0), visit('v5', 0), visit('v16', 0), visit('v18', 0), visit('new', 0)]);
    expect(await retention('rollup')).toEqual(await fromEvents());
    expect(await marks()).toEqual(built);

    // A late event of v2 (first seen 18 days ago, last 9 days ago), in a week it was not seen in
    // (days 7 apart are never in one week), and a new visitor first seen 15 days ago: those two
    // cohorts alone are built again.
    await store.insert([visit('v2', 2), visit('late', 15)]);
    expect(await retention('rollup')).toEqual(await fromEvents());
    const rebuilt = (await marks()).filter((m) => !built.includes(m)).map((m) => Number(m.split(':')[0]));
    expect(rebuilt).toEqual([-18, -15]);
    expect(await retention('rollup')).toEqual(await retention('raw'));
    // A connection that keeps no cache (on SQLite one without batch): every cohort read live.
    const plain = { dialect: store.report.dialect, rollups: true, all: store.report.all };
    expect(await computeTable(plain, 'retention', range, undefined, 'rollup')).toEqual(await fromEvents());
  });
});
