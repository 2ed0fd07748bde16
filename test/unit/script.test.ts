/**
 * The script-tag entry (src/script.ts): options from the tag's data-* attributes over
 * `window.engagekitConfig`, the stub's queued calls replayed in order, automatic captures, and a
 * second copy doing nothing. Each import is a fresh copy of the module, as a second tag would be.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Config, Tracker } from '../../src/types';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';

type Api = ((method: string, ...args: unknown[]) => unknown) & { q?: IArguments[]; l?: 1; tracker?: Tracker };
const w = window as unknown as { engagekit?: Api; engagekitConfig?: Config };

let col: ReturnType<typeof fakeCollector>;
let warn: MockInstance<typeof console.warn>;

/** The snippet a site pastes before the script tag: it queues calls until the real API replaces it. */
function stub(): Api {
  const f = function () {
    // eslint-disable-next-line prefer-rest-params
    (f.q = f.q || []).push(arguments);
  } as unknown as Api;
  return (w.engagekit = f);
}

/** Load a fresh copy of the script, as its <script> tag (with these data-* attributes) would. */
async function load(data: Record<string, string> = {}) {
  const tag = document.createElement('script');
  Object.assign(tag.dataset, data);
  Object.defineProperty(document, 'currentScript', {
    value: Object.keys(data).length ? tag : null,
    configurable: true,
  });
  vi.resetModules();
  await import('../../src/script');
}

beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  delete w.engagekit;
  delete w.engagekitConfig;
});
afterEach(() => {
  w.engagekit?.tracker?.stop();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const noAuto = { pageView: 'false', engagement: 'false', forms: 'false', links: 'false', commerce: 'false' };

describe('script tag', () => {
  it('replays the calls queued before it loaded, in order, with data-* attributes over engagekitConfig', async () => {
    const seen: string[] = [];
    w.engagekitConfig = {
      endpoint: 'https://wrong.test/b',
      writeKey: 'from-config',
      dbName: freshDb(),
      compress: false,
      flushInterval: 600_000,
      // Functions can only come from engagekitConfig.
      beforeSend: (message) => {
        seen.push(message.event || message.type);
        return message;
      },
    };
    const api = stub();
    api('identify', 'u-1', { plan: 'pro' });
    api('track', 'First', { n: 1 });
    api('stop');
    api('launchRockets');
    api('track', 'Second');
    await load({ endpoint: 'https://c.test/v1/batch', writeKey: '007', ...noAuto });

    const real = w.engagekit!;
    expect(real).not.toBe(api);
    expect(real.l).toBe(1);
    real('track', 'Third');
    expect(await real('flush')).toBe(true);
    expect(seen).toEqual(['identify', 'First', 'Second', 'Third']);
    expect(col.fetch.mock.calls.map(([url]) => url)).toEqual(['https://c.test/v1/batch']);
    const [req] = col.requests;
    expect(req.body.writeKey).toBe('007');
    expect(req.body.batch.map((m) => [m.type, m.event, m.userId])).toEqual([
      ['identify', undefined, 'u-1'],
      ['track', 'First', 'u-1'],
      ['track', 'Second', 'u-1'],
      ['track', 'Third', 'u-1'],
    ]);
    expect(req.body.batch[1].properties).toEqual({ n: 1 });
    // stop() is not offered to the page, and unknown methods are dropped with a warning.
    const said = warn.mock.calls.map((c) => String(c[0]));
    expect(said).toContain('engagekit: stop() is not an engagekit method: dropped');
    expect(said).toContain('engagekit: launchRockets() is not an engagekit method: dropped');
  });

  it('works without a stub or engagekitConfig, and turns numeric attributes into numbers', async () => {
    await load({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: 'false',
      batchSize: '2',
      flushInterval: '600000',
      ...noAuto,
    });
    const api = w.engagekit!;
    api('track', 'A');
    api('track', 'B');
    // batchSize 2 (a number): the second event sends the batch at once, without flush().
    await vi.waitFor(() => expect(col.events()).toEqual(['A', 'B']), { timeout: 2000 });
    expect(col.requests[0].headers['Content-Encoding']).toBeUndefined();
  });

  it('an unreadable window.engagekitConfig is ignored with one warning: the attributes still start it', async () => {
    w.engagekitConfig = new Proxy({} as Config, {
      ownKeys() {
        throw new Error('hostile config');
      },
    });
    stub()('track', 'Still sent');
    await load({ endpoint: 'https://c.test/b', dbName: freshDb(), compress: 'false', ...noAuto });
    expect(await w.engagekit!('flush')).toBe(true);
    expect(col.events()).toEqual(['Still sent']);
    expect(warn.mock.calls.map((c) => String(c[0])).filter((text) => /engagekitConfig/.test(text))).toHaveLength(1);
  });

  it('records a page view after the replayed calls, and a second copy of the script does nothing', async () => {
    w.engagekitConfig = { endpoint: 'https://c.test/b', dbName: freshDb(), compress: false, flushInterval: 600_000 };
    stub()('track', 'Queued');
    await load();
    const first = w.engagekit!;
    await load();
    expect(w.engagekit).toBe(first);
    expect(await first('flush')).toBe(true);
    expect(col.acked.map((m) => m.type + ':' + (m.event || m.name))).toEqual([
      'track:Queued',
      'page:' + document.title,
    ]);
  });

  it('without an endpoint warns once and records nothing', async () => {
    stub()('track', 'Lost');
    await load({ writeKey: 'k', ...noAuto });
    const api = w.engagekit!;
    api('track', 'Also lost');
    expect(await api('flush')).toBe(true);
    expect(col.fetch).not.toHaveBeenCalled();
    expect(warn.mock.calls.map((c) => String(c[0])).filter((s) => /endpoint/.test(s))).toEqual([
      'engagekit: endpoint missing: nothing will be recorded',
    ]);
  });
});

describe('script tag with hostile calls', () => {
  const onlyPageViews = { ...noAuto, pageView: 'true', webVitals: 'false' };
  const said = () => warn.mock.calls.map((call) => String(call[0]));

  it('replays each queued call on its own: bad ones are dropped with one warning each, the rest and the captures run', async () => {
    const api = stub();
    api('track', 'First');
    api('cart.add', { product_id: 10n, quantity: 1 });
    api('__proto__');
    api('constructor');
    api('hasOwnProperty', 'track');
    api(123 as unknown as string);
    api(Symbol('method') as unknown as string);
    (api as unknown as () => void)();
    api(
      'track',
      'Hostile',
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('trap');
          },
        },
      ),
    );
    // What the page may have pushed itself.
    api.q!.push(5 as never, null as never, { length: 1e9 } as never, 'track' as never);
    api('track', 'Last');
    await load({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: 'false',
      flushInterval: '600000',
      ...onlyPageViews,
    });

    const real = w.engagekit!;
    expect(await real('flush')).toBe(true);
    expect(col.acked.map((message) => message.event || message.type)).toEqual([
      'First',
      'Cart Started',
      'Product Added',
      'Hostile',
      'Last',
      'page',
    ]);
    // The BigInt id was dropped from the event, not the event.
    expect(col.acked[2].properties).toEqual({ quantity: 1, source: 'api' });
    for (const problem of [
      'product_id dropped: it is a bigint',
      '__proto__() is not an engagekit method: dropped',
      'constructor() is not an engagekit method: dropped',
      'hasOwnProperty() is not an engagekit method: dropped',
      '123() is not an engagekit method: dropped',
      'Symbol(method)() is not an engagekit method: dropped',
      'undefined() is not an engagekit method: dropped',
      'properties dropped: Error: trap',
      'a queued call that is not a list of arguments was skipped',
    ]) {
      expect(said().filter((text) => text == 'engagekit: ' + problem)).toHaveLength(1);
    }
    // A { length: 1e9 } entry is read as at most a few arguments: no method named undefined twice.
    expect(new Set(said()).size).toBe(said().length);
  });

  it('a stub queue that is not a list is skipped with one warning, and the captures still start', async () => {
    const api = stub();
    api.q = 5 as never;
    await load({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: 'false',
      flushInterval: '600000',
      ...onlyPageViews,
    });
    expect(await w.engagekit!('flush')).toBe(true);
    expect(col.acked.map((message) => message.type)).toEqual(['page']);
    expect(said().filter((text) => text.startsWith('engagekit: the queued calls could not be replayed'))).toHaveLength(
      1,
    );
  });

  it('engagekit(method, …) never throws, whatever the method and its arguments, and flush always resolves', async () => {
    const { hostileArguments } = await import('./support/hostile');
    await load({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: 'false',
      flushInterval: '600000',
      ...noAuto,
      webVitals: 'false',
    });
    const api = w.engagekit!;
    const methods = [
      'track',
      'page',
      'identify',
      'flush',
      'reset',
      'optIn',
      'consent',
      'cart.add',
      'checkout.start',
      'order.complete',
    ];
    for (const [valueName, value] of hostileArguments()) {
      const calls: unknown[][] = [
        [value],
        ...methods.flatMap((method) => [
          [method, value],
          [method, 'x', value],
        ]),
      ];
      for (const args of calls) {
        let result: unknown;
        expect(
          () => (result = api(...(args as [string]))),
          `engagekit(${args.length == 1 ? valueName : args[0] + ', …' + valueName})`,
        ).not.toThrow();
        if (result instanceof Promise) await expect(result).resolves.toBeTypeOf('boolean');
      }
    }
    api('optIn');
    api('consent', 'granted');
    api('track', 'Still Works');
    expect(await api('flush')).toBe(true);
    expect(col.events()).toContain('Still Works');
    expect(new Set(said()).size).toBe(said().length);
    expect(said().every((text) => text.startsWith('engagekit: ') && text.length <= 320)).toBe(true);
  });
});

// Last in the file: the captures a script tag starts outlive its test, and these navigate.
describe('script tag: data-page-view-query', () => {
  // Page views after the first: a pick of the same path with a new `sort`, then with a new `page`, then a new path.
  const pageViewsWith = async (data: Record<string, string>) => {
    history.replaceState({}, '', '/list');
    await load({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: 'false',
      ...noAuto,
      pageView: 'true',
      webVitals: 'false',
      ...data,
    });
    history.pushState({}, '', '/list?sort=price');
    history.pushState({}, '', '/list?sort=price&page=2');
    history.pushState({}, '', '/other');
    expect(await w.engagekit!('flush')).toBe(true);
    return col.acked
      .filter((message) => message.type == 'page')
      .map((message) => message.context.page.path + message.context.page.search);
  };

  it('names the parameters that make a page (comma-separated)', async () => {
    expect(await pageViewsWith({ pageViewQuery: 'page, q', keepParams: 'page,sort' })).toEqual([
      '/list',
      '/list?sort=price&page=2',
      '/other',
    ]);
  });

  // A bare attribute is true too (configFromAttributes), but happy-dom's dataset leaves empty attributes out.
  it('true: the whole query', async () => {
    expect(await pageViewsWith({ pageViewQuery: 'true', keepParams: 'page,sort' })).toEqual([
      '/list',
      '/list?sort=price',
      '/list?sort=price&page=2',
      '/other',
    ]);
  });

  it('absent: only the path', async () => {
    expect(await pageViewsWith({ keepParams: 'page,sort' })).toEqual(['/list', '/other']);
  });
});
