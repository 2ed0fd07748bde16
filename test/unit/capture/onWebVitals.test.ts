import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Metric } from 'web-vitals';
import { onWebVitals, type WebVitals } from '../../../src/capture/onWebVitals';
import type { Properties } from '../../../src/types';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  vi.restoreAllMocks();
});

/** A stand-in for the web-vitals package that lets the test report metrics. */
function fakeVitals() {
  const cbs: Record<string, (m: Metric) => void> = {};
  const on = (name: string) => (cb: (m: Metric) => void, o?: { reportAllChanges?: boolean }) => {
    expect(o?.reportAllChanges).toBe(true);
    cbs[name] = cb;
  };
  const api = {
    onLCP: on('LCP'),
    onINP: on('INP'),
    onCLS: on('CLS'),
    onFCP: on('FCP'),
    onTTFB: on('TTFB'),
  } as unknown as WebVitals;
  const report = (name: string, value: number) => cbs[name]({ name, value, navigationType: 'navigate' } as Metric);
  return { api, report };
}
const setHidden = (state: 'hidden' | 'visible') => {
  vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state);
  document.dispatchEvent(new Event('visibilitychange'));
};
const transition = (type: string, persisted: boolean) => dispatchEvent(Object.assign(new Event(type), { persisted }));

describe('onWebVitals', () => {
  it('sends the latest value of each metric once per page view, when it is first hidden, and again after a back/forward restore', async () => {
    const v = fakeVitals();
    const sent: Properties[] = [];
    stop = onWebVitals(
      (_e, p) => sent.push(p),
      async () => v.api,
    );
    await Promise.resolve();
    await Promise.resolve();
    v.report('TTFB', 80.4);
    v.report('FCP', 300.6);
    v.report('LCP', 900);
    v.report('LCP', 1200.2); // a later, larger candidate replaces the first
    v.report('CLS', 0.123456);
    v.report('INP', 64);
    setHidden('hidden');
    setHidden('visible');
    setHidden('hidden');
    transition('pagehide', false);
    expect(sent).toEqual([
      { ttfb: 80, fcp: 301, lcp: 1200, cls: 0.1235, inp: 64, navigation_type: 'navigate', path: location.pathname },
    ]);
    transition('pageshow', true);
    v.report('FCP', 20);
    transition('pagehide', true);
    expect(sent[1]).toEqual({ fcp: 20, navigation_type: 'navigate', path: location.pathname });
  });

  it('sends nothing when nothing was measured, when web-vitals fails to load, or after stop', async () => {
    const sent: Properties[] = [];
    const off = onWebVitals(
      (_e, p) => sent.push(p),
      () => Promise.reject(new Error('blocked')),
    );
    await Promise.resolve();
    transition('pagehide', false);
    off();
    const v = fakeVitals();
    stop = onWebVitals(
      (_e, p) => sent.push(p),
      async () => v.api,
    );
    await Promise.resolve();
    await Promise.resolve();
    v.report('LCP', 500);
    stop();
    transition('pagehide', false);
    expect(sent).toEqual([]);
  });
});
