/**
 * The report's day cache (examples/collector/report/dayCache.mjs), beyond the numbers (which the
 * rollups property test checks): past days are built a few at a time, each in its own
 * transaction, so a cold month stays within the report's per-request time limit; today, which
 * changes with every request, is never cached; a day is built again only when its sessions change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../examples/collector/store.mjs';
import { computeMetrics } from '../../examples/collector/report/metrics.mjs';
import { storedRow } from './support/rows';

const DAY = 86_400_000;

describe('the day cache on SQLite', () => {
  let dir: string;
  let store: Store;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // A one-page session on each of the last ten days and today (today's just now).
  const session = (day: number) =>
    storedRow({
      message_id: `m-${day}`,
      type: 'page',
      anonymous_id: `a-${day}`,
      session_id: `s-${day}`,
      session_index: 1,
      page_count: 1,
      path: '/',
      ts: day === 0 ? Date.now() - 1000 : today - day * DAY + 3_600_000,
    });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-daycache-'));
    store = await openStore({ dataDir: dir });
    await store.insert(Array.from({ length: 11 }, (_, day) => session(day)));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store, with the transactions of its day cache builds counted (not its schema's, nor the cohort cache's). */
  function counted() {
    const builds: number[] = [];
    const spy: Store = {
      ...store,
      batch: async (statements) => {
        if (statements.some((s) => s.sql.includes('INSERT INTO day_cache_marks'))) builds.push(statements.length);
        return store.batch!(statements);
      },
    };
    return { spy, builds };
  }
  const cachedDays = async () =>
    (await store.all('SELECT day FROM day_cache_marks ORDER BY day')).map((r) => Number(r.day) * DAY);

  it('builds the past days four at a time, never today, and again only a day that changed', async () => {
    const range = { from: today - 10 * DAY, to: today + DAY };
    const { spy, builds } = counted();
    const first = await computeMetrics(spy, range, { source: 'rollup' });
    expect(first.summary.sessions).toBe(11);
    // Ten past days: three transactions (4, 4 and 2 days).
    expect(builds).toHaveLength(3);
    expect(await cachedDays()).toEqual(Array.from({ length: 10 }, (_, i) => today - (10 - i) * DAY));

    builds.length = 0;
    await computeMetrics(spy, range, { source: 'rollup' });
    expect(builds).toHaveLength(0);

    // A late event of the session of three days ago: that day alone is built again, and counted.
    await store.insert([{ ...session(3), message_id: 'late', ts: today - 3 * DAY + 7_200_000 }]);
    const after = await computeMetrics(spy, range, { source: 'rollup' });
    expect(builds).toHaveLength(1);
    expect(after.summary.pageviews).toBe(12);
    expect(after.summary).toEqual((await computeMetrics(store, range, { source: 'raw' })).summary);
  });
});
