/**
 * The report on PostgreSQL. First its plans: PostgreSQL runs `x IN (subquery)` inside an expression as a subplan, hashed only while it expects
 * the subquery's rows to fit in work_mem; past that, it scans them again for every outer row. The
 * summary's returning visitors and visitor churn were written that way: over 10M events the 7-day
 * report never finished (290,000 visitors × 570,000 rows seen before). Proved at a small scale by
 * shrinking work_mem to its least (64 kB) over 6,000 visitors: no plan of the report may scan the
 * range's visitors (vis) or those seen before it (seen) once per row. Then its time limit: a
 * query over it is ended by the server (statement_timeout), not left running after the collector
 * stopped waiting for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { numbered, openStore } from '../../examples/collector/store.mjs';
import { computeMetrics } from '../../examples/collector/report/metrics.mjs';
import { startPostgres } from './support/postgres';
import { storedRow } from './support/rows';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const VISITORS = 6_000;

/** A page view for each of VISITORS visitors, one a day over 14 days, so half come before a 7-day range. */
function pageViews() {
  return Array.from({ length: VISITORS }, (_, i) => {
    const ts = today - (1 + (i % 14)) * DAY + 3_600_000;
    return storedRow({
      message_id: `m-${i}`,
      type: 'page',
      anonymous_id: `visitor-${i % (VISITORS / 2)}`,
      session_id: `session-${i}`,
      session_index: 1,
      page_count: 1,
      path: '/',
      url: 'https://shop.example/',
      ts,
    });
  });
}

/**
 * The subplans of a text plan that are not hashed and scan `vis` or `seen`: each "SubPlan N" line
 * and the lines indented under it.
 * @param {string[]} lines
 */
function perRowScans(lines: string[]): string[] {
  const found: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)SubPlan \d+/.exec(line);
    if (!m) return;
    const depth = m[1].length;
    for (let j = i + 1; j < lines.length && /^(\s*)/.exec(lines[j])![1].length > depth; j++)
      if (/CTE Scan on (vis|seen)\b/.test(lines[j])) found.push(`${line.trim()}: ${lines[j].trim()}`);
  });
  return found;
}

describe('PostgreSQL plans and time limit of the report', () => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>>;
  let store: Awaited<ReturnType<typeof openStore>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-plans-'));
    pgServer = await startPostgres();
    store = await openStore({ dataDir: dir, databaseUrl: pgServer.url });
    expect(await store.insert(pageViews())).toBe(VISITORS);
    await store.all('ANALYZE');
  });
  afterAll(async () => {
    await store?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('looks the visitors up by hash or join, not by a scan per visitor, at the least work_mem', async () => {
    const queries: Array<[string, unknown[]]> = [];
    const report = {
      ...store.report,
      all: (text: string, params: unknown[] = []) => {
        queries.push([text, params]);
        return store.report.all(text, params);
      },
    };
    const { summary } = await computeMetrics(report, { from: today - 7 * DAY, to: today });
    // Every visitor has two sessions, so each one in the range is returning: by its two sessions
    // there, or by the one before it.
    const inRange = new Set(
      pageViews()
        .filter((m) => m.ts >= today - 7 * DAY)
        .map((m) => m.anonymous_id),
    );
    expect(summary).toMatchObject({ visitors: inRange.size, returningVisitors: inRange.size });
    const client = new pg.Client({ connectionString: pgServer.url });
    await client.connect();
    try {
      await client.query("SET work_mem = '64kB'");
      for (const [text, params] of queries) {
        const plan = await client.query('EXPLAIN ' + numbered(text), params);
        expect(perRowScans(plan.rows.map((r) => r['QUERY PLAN']))).toEqual([]);
      }
    } finally {
      await client.end();
    }
  });

  it('ends a report query over the time limit in the database, and the pool goes on', async () => {
    const limited = await openStore({ dataDir: dir, databaseUrl: pgServer.url, reportTimeoutMs: 500 });
    try {
      await expect(limited.report.all('SELECT pg_sleep(3) AS slept')).rejects.toThrow(/statement timeout/);
      // Ended by the server, not left running: no query of the report's is still active.
      const running = await store.all(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(3)%'",
      );
      expect(Number(running[0].n)).toBe(0);
      expect(await limited.report.all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await limited.close();
    }
  });
});

describe('numbered placeholders', () => {
  it('numbers ? outside quoted text and -- comments, where an apostrophe starts no string', () => {
    expect(numbered("SELECT ? -- the cohort's day\n, '?', \"?\" FROM t WHERE a = ? AND b = 'it''s ?' AND c = ?")).toBe(
      "SELECT $1 -- the cohort's day\n, '?', \"?\" FROM t WHERE a = $2 AND b = 'it''s ?' AND c = $3",
    );
  });
});
