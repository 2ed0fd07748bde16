/**
 * `npm start`: the example site and its printing collector, driven by a real browser. The test
 * runs examples/start.mjs on free ports and waits for the collector to print what the page sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launch } from './support/browser';

let child: ChildProcess;
let out = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['examples/start.mjs'], { env: { ...process.env, SITE_PORT: '0', COLLECTOR_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /example site: (\S+)/.test(out), 10_000);
});
afterAll(() => {
  child.kill('SIGTERM');
});

async function until(ok: () => boolean, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out; output so far:\n' + out);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('serves the example page, whose events the collector prints', async () => {
  const url = /example site: (\S+)/.exec(out)![1];
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.getByText('Track 20 events').click();
    await page.getByText('Identify as user-42').click();
    await until(() => (out.match(/track\s+Burst/g) || []).length === 20 && /identify\s+user-42/.test(out), 20_000);
    expect(out).toMatch(/track\s+Example Loaded/);
    expect(out).toMatch(/page\s+\/\s/);
    expect(out).not.toMatch(/duplicate/);
  } finally {
    await browser.close();
  }
});
