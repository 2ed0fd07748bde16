/**
 * `npm start`: examples/start.mjs runs the reference collector (SQLite in a data directory) and
 * the demo store on free ports. A real browser adds a product to the cart; the collector's
 * metrics API then shows the visit, stored. Ctrl-C (SIGINT) stops both, quickly and with exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launch } from './support/browser';
import { addToCart, leave } from '../../examples/shop/traffic.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'engagekit-start-'));
let child: ChildProcess;
let out = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

beforeAll(async () => {
  child = spawn(process.execPath, ['examples/start.mjs'], {
    env: { ...process.env, PORT_COLLECTOR: '0', PORT_SHOP: '0', DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await until(() => /Ctrl-C stops both/.test(out), 15_000);
});
afterAll(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function until(ok: () => boolean | Promise<boolean>, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out; output so far:\n' + out);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const urlAfter = (label: string) => new RegExp(`${label}\\s+(http://\\S+?)/?(?:\\s|$)`).exec(out)?.[1];

it('prints the store, the collector endpoint and the report; a cart add in the store reaches the report; Ctrl-C stops it', async () => {
  const store = urlAfter('Store');
  const endpoint = urlAfter('Collector endpoint');
  const report = urlAfter('Engagement report');
  expect(store).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/batch$/);
  expect(report).toBe(endpoint!.replace(/\/v1\/batch$/, ''));
  expect(out).toContain('npm run demo:traffic');

  // The report is served, and the events go to a SQLite file in the data directory.
  const dashboard = await fetch(report + '/');
  expect(dashboard.status).toBe(200);
  expect(await dashboard.text()).toMatch(/<html/i);
  expect(existsSync(join(dataDir, 'engagekit.sqlite'))).toBe(true);

  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(store + '/products/merino-beanie');
    await addToCart(page, { handle: 'merino-beanie', quantity: 1 });
    await leave(page);
    // Stored, not just received: the metrics are computed by SQL over what the collector committed.
    let summary: Record<string, number> = {};
    await until(async () => {
      const r = await fetch(report + '/api/metrics');
      summary = r.ok ? (await r.json()).summary : {};
      return summary.cartStarts >= 1 && summary.pageviews >= 1;
    }, 20_000);
    expect(summary).toMatchObject({ visitors: 1, sessions: 1, pageviews: 1, cartStarts: 1 });
  } finally {
    await browser.close();
  }

  const t0 = Date.now();
  child.kill('SIGINT');
  const { code } = await exited;
  expect(code).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(out).toContain('engagekit demo stopped');
});
