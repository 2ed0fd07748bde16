import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onConsentMode } from '../../../src/consent/consentMode';

type Win = { dataLayer?: unknown };
const win = window as unknown as Win;
let report: Mock<(state: string, isDefault: boolean) => void>;
let stop: (() => void) | undefined;

/** The gtag snippet every consent manager uses: each call is an `arguments` object on dataLayer. */
function gtag(..._args: unknown[]) {
  // eslint-disable-next-line prefer-rest-params -- gtag pushes its `arguments` object, as Google's snippet does
  (win.dataLayer as unknown[]).push(arguments);
}
const start = () => (stop = onConsentMode(report));

beforeEach(() => {
  report = vi.fn();
  win.dataLayer = [];
});
afterEach(() => {
  stop?.();
  stop = undefined;
  delete win.dataLayer;
  vi.useRealTimers();
});

describe('onConsentMode', () => {
  it('reads the entries already on dataLayer, in order: a denied default is pending, the update decides', () => {
    gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied', wait_for_update: 500 });
    gtag('js', new Date());
    gtag('config', 'G-XXXX');
    gtag('consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' });
    start();
    expect(report.mock.calls).toEqual([
      ['pending', true],
      ['granted', false],
    ]);
  });

  it('follows entries pushed after it started, and later changes (denied, then granted)', () => {
    gtag('consent', 'default', { analytics_storage: 'denied' });
    start();
    expect(report.mock.calls).toEqual([['pending', true]]);
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(report.mock.lastCall).toEqual(['denied', false]);
    gtag('consent', 'update', { ad_storage: 'granted' }); // no analytics_storage: no change
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(report.mock.calls).toEqual([
      ['pending', true],
      ['denied', false],
      ['granted', false],
    ]);
  });

  it('a granted default grants; a denied default for any region wins over a granted one, in either order', () => {
    gtag('consent', 'default', { analytics_storage: 'granted' });
    start();
    expect(report.mock.lastCall).toEqual(['granted', true]);
    gtag('consent', 'default', { analytics_storage: 'denied', region: ['DE', 'FR'] });
    expect(report.mock.lastCall).toEqual(['pending', true]);
    gtag('consent', 'default', { analytics_storage: 'granted' });
    expect(report.mock.lastCall).toEqual(['pending', true]);
  });

  it('a default after an update changes nothing (a default only applies until an update)', () => {
    gtag('consent', 'update', { analytics_storage: 'granted' });
    gtag('consent', 'default', { analytics_storage: 'denied' });
    start();
    expect(report.mock.calls).toEqual([['granted', false]]);
  });

  it('reads arrays like arguments objects', () => {
    start();
    (win.dataLayer as unknown[]).push(['consent', 'update', { analytics_storage: 'granted' }]);
    expect(report.mock.calls).toEqual([['granted', false]]);
  });

  it('ignores malformed and hostile entries without throwing, and still reads the good ones after them', () => {
    const throwing = {
      get 0(): string {
        throw new Error('getter');
      },
    };
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('proxy');
        },
      },
    );
    const throwingParameters = [
      'consent',
      'update',
      {
        get analytics_storage(): string {
          throw new Error('getter');
        },
      },
    ];
    const history = [
      null,
      undefined,
      5,
      'consent',
      () => 'consent',
      Symbol('x'),
      10n,
      throwing,
      proxy,
      throwingParameters,
      { 0: 'consent' },
      ['consent'],
      ['consent', 'update'],
      ['consent', 'update', null],
      ['consent', 'update', 'granted'],
      ['consent', 'update', { analytics_storage: 'yes' }],
      ['consent', 'revoke', { analytics_storage: 'granted' }],
      ['CONSENT', 'update', { analytics_storage: 'granted' }],
      { event: 'gtm.js' },
    ];
    win.dataLayer = history.slice();
    // An index whose getter throws, on the array itself.
    Object.defineProperty(win.dataLayer, 5, {
      get() {
        throw new Error('index');
      },
    });
    expect(start).not.toThrow();
    expect(report).not.toHaveBeenCalled();
    for (const entry of history) expect(() => (win.dataLayer as unknown[]).push(entry)).not.toThrow();
    expect(() =>
      (win.dataLayer as unknown[]).push(throwing, proxy, ['consent', 'update', { analytics_storage: 'denied' }]),
    ).not.toThrow();
    expect(report.mock.calls).toEqual([['denied', false]]);
  });

  it("calls the page's push with the same this and arguments and returns its result; a throw from it is the page's", () => {
    const layer: unknown[] & { push: (...entries: unknown[]) => unknown } = [];
    const calls: [unknown, unknown[]][] = [];
    const pagePush = function (this: unknown, ...entries: unknown[]) {
      calls.push([this, entries]);
      if (entries[0] === 'boom') throw new Error('page push failed');
      return 'page result';
    };
    layer.push = pagePush;
    win.dataLayer = layer;
    start();
    expect(layer.push).not.toBe(pagePush);
    const entry = ['consent', 'update', { analytics_storage: 'granted' }];
    expect(layer.push(entry, 2)).toBe('page result');
    const other = { push: layer.push };
    other.push('x');
    expect(calls).toEqual([
      [layer, [entry, 2]],
      [other, ['x']],
    ]);
    expect(() => layer.push('boom')).toThrow('page push failed');
    expect(report.mock.calls).toEqual([['granted', false]]);
  });

  it('waits for a dataLayer defined later, every 250 ms for 10 s, then gives up', () => {
    vi.useFakeTimers();
    delete win.dataLayer;
    start();
    vi.advanceTimersByTime(1000);
    win.dataLayer = [['consent', 'update', { analytics_storage: 'granted' }]];
    vi.advanceTimersByTime(250);
    expect(report.mock.calls).toEqual([['granted', false]]);
    stop!();

    delete win.dataLayer;
    report.mockClear();
    start();
    vi.advanceTimersByTime(10_250);
    expect(vi.getTimerCount()).toBe(0);
    win.dataLayer = [['consent', 'update', { analytics_storage: 'granted' }]];
    vi.advanceTimersByTime(1000);
    expect(report).not.toHaveBeenCalled();
  });

  it('ignores a dataLayer that is not an object with a push function', () => {
    for (const layer of [5, 'dataLayer', { push: 1 }, null]) {
      win.dataLayer = layer;
      expect(() => onConsentMode(report)()).not.toThrow();
    }
    expect(report).not.toHaveBeenCalled();
  });

  it('stays in the chain when a GTM-like push replaces ours (it calls the previous push), before or after us', () => {
    // Google Tag Manager's data layer, as its open-source model data-layer-helper does it: a new
    // push that calls the previous one, then processes what was pushed.
    const processed: unknown[] = [];
    const gtmReplacesPush = () => {
      const layer = win.dataLayer as unknown[];
      const previous = layer.push;
      layer.push = function (...states: unknown[]) {
        const result = previous.apply(layer, states);
        processed.push(...states);
        return result;
      };
    };
    start();
    gtmReplacesPush();
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(report.mock.calls).toEqual([['granted', false]]);
    expect(processed).toHaveLength(1);
    expect(win.dataLayer).toHaveLength(1);
    stop!();

    // GTM first, then us.
    win.dataLayer = [];
    processed.length = 0;
    report.mockClear();
    gtmReplacesPush();
    start();
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(report.mock.calls).toEqual([['denied', false]]);
    expect(processed).toHaveLength(1);
    expect(win.dataLayer).toHaveLength(1);
  });

  it('stop() puts back the push it found, only while push is still ours, and stops reporting', () => {
    const layer = [] as unknown[];
    win.dataLayer = layer;
    start();
    expect(Object.prototype.hasOwnProperty.call(layer, 'push')).toBe(true);
    stop!();
    // The array's own push again: no property of ours left on it.
    expect(Object.prototype.hasOwnProperty.call(layer, 'push')).toBe(false);
    expect(layer.push).toBe(Array.prototype.push);

    // A push the page had set is put back as it was.
    const pagePush = vi.fn(Array.prototype.push);
    layer.push = pagePush;
    start();
    stop!();
    expect(layer.push).toBe(pagePush);

    // Replaced after us: the replacement stays, our wrapper under it only passes calls through.
    start();
    const ours = layer.push;
    const later = function (...entries: unknown[]) {
      return ours.apply(layer, entries);
    };
    layer.push = later;
    stop!();
    stop = undefined;
    expect(layer.push).toBe(later);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(pagePush).toHaveBeenCalledTimes(1);
    expect(layer).toHaveLength(1);
    expect(report).not.toHaveBeenCalled();
  });
});
