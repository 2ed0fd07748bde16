import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/tracker';
import type { Config, Tracker } from '../../src/types';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';

let col: ReturnType<typeof fakeCollector>;
let t: Tracker | undefined;
const make = (c: Config) =>
  (t = createTracker({
    endpoint: 'https://c.test/b',
    dbName: freshDb(),
    compress: false,
    flushInterval: 3_600_000,
    ...c,
  }));
beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  t?.stop();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  Object.defineProperty(navigator, 'globalPrivacyControl', { value: undefined, configurable: true });
});

describe('consent and privacy signals', () => {
  it('pending: nothing stored or sent until granted, then everything in order', async () => {
    localStorage.clear();
    const tr = make({ consent: 'pending' });
    tr.track('Waiting 1');
    tr.track('Waiting 2');
    expect(await tr.flush()).toBe(true);
    expect(col.fetch).not.toHaveBeenCalled();
    expect(Object.keys(localStorage).filter((k) => /aid|session/.test(k))).toEqual([]);
    tr.consent('granted');
    await tr.flush();
    expect(col.events()).toEqual(['Waiting 1', 'Waiting 2']);
    // Granted: the identifiers made meanwhile are kept.
    expect(localStorage.getItem('engagekit:v1:aid')).toBe(col.acked[0].anonymousId);
  });

  it('denied: what waited and what follows is discarded', async () => {
    const tr = make({ consent: 'pending' });
    tr.track('Waiting');
    tr.consent('denied');
    tr.track('After');
    await tr.flush();
    expect(col.fetch).not.toHaveBeenCalled();
  });

  it('Global Privacy Control: events still go, but no identifier is stored', async () => {
    localStorage.clear();
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const tr = make({});
    tr.identify('u-1');
    tr.track('Private');
    await tr.flush();
    expect(col.events()).toEqual(['Private']);
    expect(Object.keys(localStorage).filter((k) => /aid|uid|session/.test(k))).toEqual([]);
  });

  it('strips query strings (but campaign parameters) and emails from page data', async () => {
    history.replaceState({}, '', '/account/ada@example.com?utm_source=mail&reset_token=secret#frag');
    document.title = 'Hi ada@example.com';
    const tr = make({ keepParams: ['page'] });
    tr.page();
    await tr.flush();
    const pv = col.acked.find((m) => m.type === 'page')!;
    expect(pv.context.page).toMatchObject({ path: '/account/', search: '?utm_source=mail', title: 'Hi ' });
    expect(JSON.stringify(col.requests)).not.toMatch(/secret|ada@|ada%40|frag/);
    document.title = '';
  });
});
