/**
 * The script tag and the wire format in real Chromium: the stub's queued calls replay in order, a
 * second copy does nothing, real payloads validate against schema/batch.schema.json, bad input
 * warns once and never throws into the page, and the npm build works as an ES module.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, tracks } from './support/collector';
import { Site } from './support/site';
import { launch, openTracked } from './support/browser';

const schema = JSON.parse(readFileSync(new URL('../../schema/batch.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);
const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300' });
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  await collector.up();
  await site.start();
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
  await collector.close();
  await site.close();
});
beforeEach(() => collector.reset());
afterEach(async () => {
  for (const p of browser.context.pages()) await p.close();
});

/** Everything but the `Page Engagement` reports a closing page may still be sending. */
const notEngagement = (m: { event?: string }) => m.event !== 'Page Engagement';

/** A page that records console warnings and uncaught errors. */
async function watched(): Promise<{ page: Page; warnings: string[]; errors: string[] }> {
  const page = await browser.context.newPage();
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, warnings, errors };
}

describe('script tag', () => {
  it('replays calls queued by the stub in order, records a page view, and validates against the schema', async () => {
    const { page } = await watched();
    // The documented stub, and calls made before the async script has run.
    await page.addInitScript(() => {
      const w = window as unknown as { engagekit: ((...a: unknown[]) => void) & { q?: IArguments[] } };
      w.engagekit = function () {
        // eslint-disable-next-line prefer-rest-params -- the README's stub, as written: it queues `arguments` objects
        (w.engagekit.q = w.engagekit.q || []).push(arguments);
      };
      w.engagekit('track', 'Early 1', { n: 1 });
      w.engagekit('identify', 'user-7', { plan: 'pro' });
      w.engagekit('track', 'Early 2', { n: 2, when: new Date(0), nested: { ok: true } });
    });
    await page.goto(site.url('/shop?utm_source=news&utm_medium=email&utm_campaign=launch&q=1'));
    const got = await collector.waitFor(5, notEngagement);
    const order = got.map((m) => (m.type === 'track' ? m.event : m.type));
    expect(order).toEqual(['Session Started', 'Early 1', 'identify', 'Early 2', 'page']);
    for (const r of collector.requests.filter((r) => r.method === 'POST'))
      expect(validate(r.body), JSON.stringify(validate.errors)).toBe(true);
    const [started, t1, id, t2, pv] = got;
    expect(started.properties).toMatchObject({
      landing_path: '/shop',
      referrer: '',
      source: 'news',
      medium: 'email',
      name: 'launch',
    });
    expect(started.context.session.id).toBe(pv.context.session.id);
    expect(t1.userId).toBeUndefined();
    expect(id.userId).toBe('user-7');
    expect(id.traits).toEqual({ plan: 'pro' });
    expect(t2.userId).toBe('user-7');
    expect(t2.properties).toEqual({ n: 2, when: '1970-01-01T00:00:00.000Z', nested: { ok: true } });
    expect(new Set(got.map((m) => m.anonymousId)).size).toBe(1);
    expect(pv.name).toBe('Test /shop');
    // Query parameters other than campaign ones are not recorded.
    expect(pv.properties).toMatchObject({
      path: '/shop',
      search: '?utm_source=news&utm_medium=email&utm_campaign=launch',
      title: 'Test /shop',
    });
    expect(pv.context.page.url).toBe(
      `http://localhost:${site.port}/shop?utm_source=news&utm_medium=email&utm_campaign=launch`,
    );
    expect(pv.context.campaign).toEqual({ source: 'news', medium: 'email', name: 'launch' });
    expect(pv.context.library).toEqual({
      name: 'engagekit',
      version: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    });
    expect(pv.context.session).toMatchObject({ index: 1, pageCount: 1 });
    expect(collector.requests.find((r) => r.method === 'POST')!.headers['content-type']).toMatch(/^text\/plain/);
    expect(collector.requests.find((r) => r.method === 'POST')!.body!.writeKey).toBe('test-key');
  });

  it('does nothing more when the script is loaded twice', async () => {
    const { page } = await watched();
    await openTracked(browser.context, site.url('/twice'), page);
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          const s = document.createElement('script');
          s.src = '/engagekit.min.js';
          s.dataset.endpoint = document.querySelector<HTMLScriptElement>('script[data-endpoint]')!.dataset.endpoint;
          s.onload = resolve;
          document.head.append(s);
        }),
    );
    await page.evaluate(() =>
      (window as unknown as { engagekit: (...a: unknown[]) => void }).engagekit('track', 'Once'),
    );
    await collector.waitFor(1, tracks('Once'));
    await page.evaluate(() =>
      (window as unknown as { engagekit: (...a: unknown[]) => Promise<boolean> }).engagekit('flush'),
    );
    expect(
      collector.acked.filter((m) => m.type === 'page' && m.context && m.context.page.path === '/twice'),
    ).toHaveLength(1);
    expect(collector.acked.filter((m) => m.event === 'Once')).toHaveLength(1);
  });

  it('answers bad input with one warning each, keeps the good part, and never throws into the page', async () => {
    const { page, warnings, errors } = await watched();
    await openTracked(browser.context, site.url('/bad', { 'page-view': 'false' }), page);
    const threw = await page.evaluate(() => {
      const ek = (window as unknown as { engagekit: (...a: unknown[]) => unknown }).engagekit;
      const cyclic: Record<string, unknown> = { keep: 1 };
      cyclic.self = cyclic;
      try {
        ek('track', 42);
        ek('track', 'Cyclic', cyclic);
        ek('track', 'Cyclic', cyclic);
        ek('track', 'Odd values', {
          big: BigInt(1),
          fn: () => 1,
          node: document.body,
          win: window,
          ok: 'yes',
          list: [1, () => 2],
        });
        ek('track', 'Huge', { small: 'kept', huge: 'x'.repeat(40_000) });
        ek('track', 'Not an object', 'string props');
        ek('identify', {});
        ek('nonsense');
        return false;
      } catch {
        return true;
      }
    });
    expect(threw).toBe(false);
    await collector.waitFor(4, (m) => tracks()(m) && m.event !== 'Session Started' && notEngagement(m));
    const byName = Object.fromEntries(collector.stored(tracks()).map((m) => [m.event, m.properties]));
    expect(byName['Cyclic']).toEqual({ keep: 1 });
    expect(byName['Odd values']).toEqual({ ok: 'yes', list: [1, null] });
    expect(byName['Huge']).toEqual({ small: 'kept' });
    expect(byName['Not an object']).toEqual({});
    expect(collector.stored(tracks('Cyclic'))).toHaveLength(2);
    expect(errors).toEqual([]);
    const w = warnings.join('\n');
    for (const problem of [
      /event name/,
      /self dropped: it is a cycle/,
      /big dropped: it is a bigint/,
      /fn dropped: it is a function/,
      /node dropped: it is a DOM node/,
      /huge dropped/,
      /properties dropped: not an object/,
      /user id/,
      /nonsense\(\) is not an engagekit method/,
    ])
      expect(w).toMatch(problem);
    // One warning per problem: the second cyclic event said nothing new.
    expect(warnings.filter((x) => /cycle/.test(x))).toHaveLength(1);
  });

  it('without an endpoint: a no-op that says so once', async () => {
    const { page, warnings, errors } = await watched();
    await openTracked(browser.context, site.url('/none', { endpoint: '' }), page);
    const ok = await page.evaluate(async () => {
      const ek = (window as unknown as { engagekit: (...a: unknown[]) => unknown }).engagekit;
      ek('track', 'Nothing');
      return ek('flush');
    });
    expect(ok).toBe(true);
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => /endpoint missing/.test(w))).toHaveLength(1);
    await page.evaluate(() => (window as unknown as { engagekit: (...a: unknown[]) => unknown }).engagekit('flush'));
    expect(
      collector.received.filter((m) => (m.context as { page?: { path?: string } })?.page?.path === '/none'),
    ).toHaveLength(0);
  });
});

describe('npm build', () => {
  it('works as an ES module: init, track, identify, flush', async () => {
    const { page, errors } = await watched();
    await page.goto(site.url('/esm', { endpoint: '' }));
    // Serve dist/ and idb-keyval as modules from the page's origin.
    await page.route('**/esm/**', (route) => {
      const path = new URL(route.request().url()).pathname.slice(5);
      const file = path.startsWith('idb-keyval')
        ? new URL('../../node_modules/idb-keyval/dist/index.js', import.meta.url)
        : new URL('../../dist/' + path, import.meta.url);
      route.fulfill({
        contentType: 'text/javascript',
        body: readFileSync(file, 'utf8').replace(/from ?['"]idb-keyval['"]/g, "from '/esm/idb-keyval'"),
      });
    });
    // A string, so the test runner does not rewrite the page's import().
    const ok = await page.evaluate(`(async () => {
      const ek = await import('/esm/index.js');
      const t = ek.init({ endpoint: '${collector.url}', writeKey: 'npm', flushInterval: 100 });
      ek.track('From npm', { via: 'esm' });
      ek.identify('npm-user');
      return t.flush();
    })()`);
    expect(ok).toBe(true);
    const mine = (m: { event?: string; type: string }) => m.event === 'From npm' || m.type === 'identify';
    await collector.waitFor(2, mine);
    expect(collector.stored(mine).map((m) => m.type + ':' + (m.event || m.userId))).toEqual([
      'track:From npm',
      'identify:npm-user',
    ]);
    expect(errors).toEqual([]);
  });
});
