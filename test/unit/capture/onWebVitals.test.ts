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
  const callbacks: Record<string, (metric: Metric) => void> = {};
  const on = (name: string) => (callback: (metric: Metric) => void, options?: { reportAllChanges?: boolean }) => {
    expect(options?.reportAllChanges).toBe(true);
    callbacks[name] = callback;
  };
  const api = {
    onLCP: on('LCP'),
    onINP: on('INP'),
    onCLS: on('CLS'),
    onFCP: on('FCP'),
    onTTFB: on('TTFB'),
  } as unknown as WebVitals;
  const report = (name: string, value: number) =>
    callbacks[name]({ name, value, navigationType: 'navigate' } as Metric);
  return { api, report };
}
const setHidden = (state: 'hidden' | 'visible') => {
  vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state);
  document.dispatchEvent(new Event('visibilitychange'));
};
const transition = (type: string, persisted: boolean) => dispatchEvent(Object.assign(new Event(type), { persisted }));

describe('onWebVitals', () => {
  it('sends the latest value of each metric once per page view, when it is first hidden, and again after a back/forward restore', async () => {
    const vitals = fakeVitals();
    const sent: Properties[] = [];
    stop = onWebVitals(
      (_event, properties) => sent.push(properties),
      async () => vitals.api,
    );
    await Promise.resolve();
    await Promise.resolve();
    vitals.report('TTFB', 80.4);
    vitals.report('FCP', 300.6);
    vitals.report('LCP', 900);
    vitals.report('LCP', 1200.2); // a later, larger candidate replaces the first
    vitals.report('CLS', 0.123456);
    vitals.report('INP', 64);
    setHidden('hidden');
    setHidden('visible');
    setHidden('hidden');
    transition('pagehide', false);
    expect(sent).toEqual([
      { ttfb: 80, fcp: 301, lcp: 1200, cls: 0.1235, inp: 64, navigation_type: 'navigate', path: location.pathname },
    ]);
    transition('pageshow', true);
    vitals.report('FCP', 20);
    transition('pagehide', true);
    expect(sent[1]).toEqual({ fcp: 20, navigation_type: 'navigate', path: location.pathname });
  });

  it('sends nothing when nothing was measured, when web-vitals fails to load, or after stop', async () => {
    const sent: Properties[] = [];
    const stopFirst = onWebVitals(
      (_event, properties) => sent.push(properties),
      () => Promise.reject(new Error('blocked')),
    );
    await Promise.resolve();
    transition('pagehide', false);
    stopFirst();
    const vitals = fakeVitals();
    stop = onWebVitals(
      (_event, properties) => sent.push(properties),
      async () => vitals.api,
    );
    await Promise.resolve();
    await Promise.resolve();
    vitals.report('LCP', 500);
    stop();
    transition('pagehide', false);
    expect(sent).toEqual([]);
  });
});
