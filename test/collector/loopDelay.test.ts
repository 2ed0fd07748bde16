/**
 * EVENT_LOOP_LOG_SECONDS (loopDelay.mjs): the collector logs how long its event loop was kept from
 * running, what a request arriving meanwhile waits before its handler starts (bench:collector
 * compares it with and without a report being computed). A loop held busy 150 ms is logged as a
 * delay of at least 100 ms; 0 is no log; bad values are refused at start.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopDelayLog } from '../../examples/collector/loopDelay.mjs';
import { startCollector } from '../../examples/collector/server.mjs';

type LoopLine = { msg: string; maxMs: number; p99Ms: number; meanMs: number };

/** Keep the event loop from running for `ms`. */
const block = (ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end;);
};

describe('event loop delay log', () => {
  it('logs the longest delay of each period: a loop held 150 ms shows 100 ms or more', async () => {
    const lines: LoopLine[] = [];
    const stop = startLoopDelayLog({ seconds: 0.2, log: (o) => lines.push(o as LoopLine) });
    try {
      // Let the histogram take a first sample, then hold the loop.
      await new Promise((resolve) => setTimeout(resolve, 30));
      block(150);
      await vi.waitFor(() => expect(lines.some((l) => l.maxMs >= 100)).toBe(true), { timeout: 5000 });
      const line = lines.find((l) => l.maxMs >= 100)!;
      expect(line.msg).toBe('event loop');
      expect(line.p99Ms).toBeGreaterThan(0);
      expect(line.meanMs).toBeGreaterThan(0);
      expect(line.meanMs).toBeLessThanOrEqual(line.maxMs);
    } finally {
      stop();
    }
  });

  it('is logged by the collector when asked, and refused at start when not a number of seconds, 0 or more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ek-loop-'));
    try {
      const lines: LoopLine[] = [];
      const c = await startCollector({
        dataDir: dir,
        eventLoopLogSeconds: 0.2,
        log: (o) => lines.push(o as LoopLine),
      });
      await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'event loop').length).toBeGreaterThan(1), {
        timeout: 5000,
      });
      await c.close();
      for (const seconds of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number])
        await expect(
          startCollector({ dataDir: dir, eventLoopLogSeconds: seconds, log: () => undefined }),
        ).rejects.toThrow(/EVENT_LOOP_LOG_SECONDS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
