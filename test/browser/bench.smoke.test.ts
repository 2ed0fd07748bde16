/**
 * Benchmarks are not tests, but the harness behind `npm run bench` must not rot: this runs it on
 * engagekit alone, once (quick mode), from the built dist/ and without bench/node_modules, and
 * checks that every measurement came back and makes sense.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript module without declarations (bench/ is JS with JSDoc)
import { runBench, formatMarkdown, SCENARIOS } from '../../bench/harness.mjs';

describe('benchmark harness (smoke run, engagekit only)', () => {
  it('measures sizes, main-thread cost, wire bytes, faults and captures', { timeout: 120_000 }, async () => {
    const results = await runBench({ peers: ['engagekit'], quick: true });
    const ek = results.peers.engagekit;

    expect(results.machine.chromium).toMatch(/^\d+\./);
    expect(results.machine.cores).toBeGreaterThan(0);

    // Script bytes: the script tag was served, and compresses.
    for (const k of ['raw', 'gzip', 'brotli'] as const) {
      expect(ek.scriptBytes.first[k]).toBeGreaterThan(0);
      expect(ek.scriptBytes.total[k]).toBeGreaterThanOrEqual(ek.scriptBytes.first[k]);
    }
    expect(ek.scriptBytes.first.paths).toContain('/engagekit.min.js');
    expect(ek.scriptBytes.first.brotli).toBeLessThan(ek.scriptBytes.first.raw);

    // Main thread: 1,000 track calls were made and timed, and all of them delivered.
    expect(ek.mainThread.track1000SyncMs).toBeGreaterThan(0);
    expect(ek.mainThread.track1000CpuMs).toBeGreaterThan(0);
    expect(ek.mainThread.track1000Delivered).toBe(1000);
    expect(Number.isFinite(ek.mainThread.loadInitCpuMs)).toBe(true);
    expect(Number.isFinite(ek.mainThread.heapGrowthKB)).toBe(true);
    expect(ek.mainThread.longTasks).toBeGreaterThanOrEqual(0);

    // Wire: 100 events, batched (how many per request depends on timing: at most 20).
    expect(ek.wire.delivered).toBe(100);
    expect(ek.wire.bytes).toBeGreaterThan(ek.wire.bodyBytes);
    expect(ek.wire.requests).toBeGreaterThanOrEqual(5);
    expect(ek.wire.requests).toBeLessThan(50);

    // Faults: every scenario delivers all 20 events while the visitor is still there.
    for (const s of SCENARIOS) expect(ek.faults[s.id], s.id).toMatchObject({ delivered: 20, of: 20 });

    // Zero-configuration capture on the demo store.
    expect(ek.capture.pageViews).toBe('3 of 3');
    for (const k of ['sessions', 'engagedTime', 'cartStart', 'formAbandonment'])
      expect(ek.capture[k], k).toMatch(/^yes/);
    expect(ek.externalHosts).toEqual([]);

    const table: string = formatMarkdown(results);
    expect(table).toContain('| first load, brotli |');
  });
});
