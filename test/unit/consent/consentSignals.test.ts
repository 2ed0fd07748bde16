import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onConsentSignals } from '../../../src/consent/consentSignals';
import { createTracker } from '../../../src/tracker';
import type { Tracker } from '../../../src/types';
import { fakeCollector, freshDb, ongoingSession } from '../support/fakeCollector';

type TcData = Record<string, unknown>;
const win = window as unknown as { dataLayer?: unknown[]; __tcfapi?: unknown };
function gtag(..._args: unknown[]) {
  // eslint-disable-next-line prefer-rest-params -- gtag pushes its `arguments` object, as Google's snippet does
  win.dataLayer!.push(arguments);
}
/** A minimal same-frame CMP (see tcf.test.ts): `emit` tells its one listener of a change. */
function fakeCmp(initial: TcData) {
  let listener: ((tcData: TcData, success: boolean) => void) | undefined;
  win.__tcfapi = (command: string, _version: number, callback: typeof listener) => {
    if (command == 'addEventListener') (listener = callback)!({ listenerId: 1, ...initial }, true);
  };
  return { emit: (tcData: TcData) => listener?.({ listenerId: 1, ...tcData }, true) };
}
const granted = {
  gdprApplies: true,
  eventStatus: 'useractioncomplete',
  purpose: { consents: { 1: true, 7: true, 8: true, 9: true } },
};
const refused = { gdprApplies: true, eventStatus: 'useractioncomplete', purpose: { consents: { 1: false } } };

let apply: Mock<(state: string) => void>;
let stop: (() => void) | undefined;
beforeEach(() => {
  apply = vi.fn();
  win.dataLayer = [];
});
afterEach(() => {
  stop?.();
  stop = undefined;
  delete win.dataLayer;
  delete win.__tcfapi;
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('onConsentSignals', () => {
  it('Consent Mode alone: a denied default is pending, then each update applies; repeats are not re-applied', () => {
    gtag('consent', 'default', { analytics_storage: 'denied' });
    stop = onConsentSignals(apply);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    gtag('consent', 'update', { analytics_storage: 'granted' });
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(apply.mock.calls).toEqual([['pending'], ['granted'], ['denied']]);
  });

  it('TCF alone: pending while the banner shows, then the choice', () => {
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'cmpuishown' });
    stop = onConsentSignals(apply);
    cmp.emit(granted);
    expect(apply.mock.calls).toEqual([['pending'], ['granted']]);
  });

  it('both: when they disagree denied wins, whichever came last; when both grant, granted', () => {
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'cmpuishown' });
    gtag('consent', 'default', { analytics_storage: 'denied' });
    stop = onConsentSignals(apply);
    cmp.emit(refused);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(apply.mock.lastCall).toEqual(['denied']);
    cmp.emit(granted);
    expect(apply.mock.lastCall).toEqual(['granted']);
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(apply.mock.lastCall).toEqual(['denied']);
    expect(apply.mock.calls).toEqual([['pending'], ['denied'], ['granted'], ['denied']]);
  });

  it('a granted Consent Mode default does not grant while a TCF banner waits for the visitor', () => {
    gtag('consent', 'default', { analytics_storage: 'granted' });
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'cmpuishown' });
    stop = onConsentSignals(apply);
    expect(apply.mock.calls).toEqual([['pending']]);
    cmp.emit(granted);
    expect(apply.mock.lastCall).toEqual(['granted']);
  });

  it('an apply that throws is warned about once, never thrown into the page', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    stop = onConsentSignals(() => {
      throw new Error('bad apply');
    });
    expect(() => gtag('consent', 'update', { analytics_storage: 'granted' })).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('bad apply'));
  });

  it('stop() stops both sources', () => {
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'cmpuishown' });
    stop = onConsentSignals(apply);
    stop();
    stop = undefined;
    cmp.emit(granted);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(apply.mock.calls).toEqual([['pending']]);
  });
});

describe('a tracker with consent: auto', () => {
  let tracker: Tracker | undefined;
  afterEach(() => tracker?.stop());

  it('holds events until the consent manager grants, then sends them in order; a denial sends nothing', async () => {
    const collector = fakeCollector();
    ongoingSession();
    const make = () =>
      createTracker({
        endpoint: 'https://c.test/b',
        dbName: freshDb(),
        compress: false,
        flushInterval: 3_600_000,
        consent: 'auto',
      });
    tracker = make();
    gtag('consent', 'default', { analytics_storage: 'denied', wait_for_update: 500 });
    stop = onConsentSignals((state) => tracker!.consent(state));
    tracker.track('Before 1');
    tracker.track('Before 2');
    await tracker.flush();
    expect(collector.fetch).not.toHaveBeenCalled();
    gtag('consent', 'update', { analytics_storage: 'granted' });
    tracker.track('After');
    await tracker.flush();
    expect(collector.events()).toEqual(['Before 1', 'Before 2', 'After']);

    stop();
    tracker.stop();
    win.dataLayer = [];
    collector.acked.length = 0;
    tracker = make();
    stop = onConsentSignals((state) => tracker!.consent(state));
    tracker.track('Refused');
    gtag('consent', 'update', { analytics_storage: 'denied' });
    tracker.track('Refused too');
    await tracker.flush();
    expect(collector.acked).toEqual([]);
  });
});
