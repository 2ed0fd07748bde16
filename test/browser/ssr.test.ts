/**
 * Server-side rendering: the built npm package imported and called at module level in Node, as SSR
 * frameworks do. Every export is a silent no-op there — no warning, no exception, nothing opened —
 * and the process exits on its own as soon as its work is done.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const workDir = mkdtempSync(join(tmpdir(), 'engagekit-ssr-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Run ssrApp.mjs in a new Node process; killed after `limitMs` if it has not exited by then. */
function runApp(limitMs: number) {
  const endFile = join(workDir, 'ended-at');
  const app = fileURLToPath(new URL('./support/ssrApp.mjs', import.meta.url));
  const child = spawn(process.execPath, [app, endFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise<{
    code: number | null;
    signal: string | null;
    lingeredMs: number;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('exit', (code, signal) => {
      const exitedAt = Date.now();
      clearTimeout(killer);
      let endedAt = NaN;
      try {
        endedAt = Number(readFileSync(endFile, 'utf8'));
      } catch {
        // the script did not get to its end
      }
      child.on('close', () => resolve({ code, signal, lingeredMs: exitedAt - endedAt, stdout, stderr }));
    });
  });
}

describe('server-side rendering', () => {
  it('in Node every export is a silent no-op, and the process exits on its own within a second', async () => {
    const run = await runApp(30_000);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    // No timer, BroadcastChannel or IndexedDB left open to keep it alive (a 5 s flushInterval would).
    expect(run.lingeredMs).toBeGreaterThanOrEqual(0);
    expect(run.lingeredMs).toBeLessThan(1000);
  });
});
