import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The flags every test browser runs with: headless, no network chatter of its own, no sandbox (root in CI). */
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium (or CHROME_PATH) through playwright-core, with a fresh profile. `bfcache: true`
 * drops Playwright's default `--disable-back-forward-cache` switch so pages can enter the cache.
 */
export async function launch(
  opts: { bfcache?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'engagekit-chrome-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
    ignoreDefaultArgs: opts.bfcache ? ['--disable-back-forward-cache'] : undefined,
  });
  if (process.env.DEBUG) context.on('console', (m) => console.log('[page]', m.text()));
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open `url` and wait until engagekit has started (the stub was replaced by the real script). */
export async function openTracked(context: BrowserContext, url: string, page?: Page): Promise<Page> {
  const p = page || (await context.newPage());
  await p.goto(url);
  await p.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1, undefined, {
    timeout: 10_000,
  });
  return p;
}

/** Track `n` events named `${prefix}${i}` in the page, all in one task. */
export function trackMany(page: Page, prefix: string, n: number, padBytes = 0): Promise<void> {
  return page.evaluate(
    ([prefix, n, pad]) => {
      const ek = (window as unknown as { engagekit: (...a: unknown[]) => void }).engagekit;
      for (let i = 0; i < n; i++) ek('track', prefix + i, { i, pad: 'x'.repeat(pad) });
    },
    [prefix, n, padBytes] as const,
  );
}
