/**
 * A React Router 7 single-page app (test/browser/apps/reactRouterShop.js, bundled here with esbuild
 * from the react-router, react and react-dom packages) with the script tag: each route the visitor
 * goes to is one page view — links and back — and a search
 * parameter pushed on the same route (a colour pick) is not, and does not end the form on it.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { Collector, named, pages } from './support/collector';
import { launch, openTracked } from './support/browser';

const collector = new Collector();
let server: http.Server;
let port = 0;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  await collector.up();
  const bundle = await build({
    entryPoints: [new URL('apps/reactRouterShop.js', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    // Where the packages are when they are installed elsewhere than this repository's node_modules.
    nodePaths: process.env.NODE_PATH?.split(':').filter(Boolean),
    logLevel: 'silent',
  });
  const app = bundle.outputFiles[0].text;
  const script = readFileSync(new URL('../../dist/engagekit.min.js', import.meta.url));
  // Every path is the app's page, as a single-page app's host serves it.
  server = http.createServer((request, response) => {
    const path = new URL(request.url || '/', 'http://x').pathname;
    if (path == '/app.js') return response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(app);
    if (path == '/engagekit.min.js') return response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    if (path == '/favicon.ico') return response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};</script>
<script async src="/engagekit.min.js" data-endpoint="${collector.url}" data-write-key="test-key" data-flush-interval="300" data-web-vitals="false"></script>
</head><body><div id="root"></div><script src="/app.js"></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await collector.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  collector.reset();
  browser = await launch();
});
afterEach(async () => {
  await browser?.close();
});

const paths = () => collector.stored(pages).map((m) => m.context.page.path);

describe('React Router', () => {
  it('each route is one page view; a search parameter pushed on the same route is not, and leaves its form open', async () => {
    const page = await openTracked(browser!.context, `http://localhost:${port}/`);
    await page.click('#nav-product');
    await page.waitForSelector('#notify');
    await page.click('#notify [name=email]');
    await page.keyboard.type('visitor@example.com');
    await page.click('#red');
    await page.waitForURL(/color=red/);
    await page.click('#green');
    await page.waitForURL(/color=green/);
    await page.evaluate(() =>
      (window as unknown as { engagekit: (...args: unknown[]) => void }).engagekit('track', 'Sentinel'),
    );
    await collector.waitFor(1, named('Sentinel'), 20_000);
    expect(paths()).toEqual(['/', '/products/7']);
    expect(collector.stored(named('Form Abandoned'))).toEqual([]);

    // Another route ends the form; so does each later route, and back.
    await page.click('#nav-about');
    await collector.waitFor(1, named('Form Abandoned'), 20_000);
    await page.click('#nav-product');
    await page.waitForSelector('#notify');
    await page.goBack();
    await page.waitForURL(/\/about$/);
    await collector.waitFor(5, pages, 20_000);
    await page.evaluate(() =>
      (window as unknown as { engagekit: (...args: unknown[]) => void }).engagekit('track', 'Sentinel 2'),
    );
    await collector.waitFor(1, named('Sentinel 2'), 20_000);
    expect(paths()).toEqual(['/', '/products/7', '/about', '/products/7', '/about']);
    const abandoned = collector.stored(named('Form Abandoned'));
    expect(abandoned.map((m) => [m.properties?.form_id, m.properties?.last_field])).toEqual([['notify', 'email']]);
    expect(JSON.stringify(collector.received)).not.toContain('visitor@');
  });
});
