import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onTcf } from '../../../src/consent/tcf';

type TcData = Record<string, unknown>;
type Listener = (tcData: TcData, success: boolean) => void;
const win = window as unknown as { __tcfapi?: unknown };

/**
 * A CMP as the IAB TCF v2.2 CMP API describes it: addEventListener calls back at once with the
 * current TCData (with the listener's id) and again on every change; removeEventListener takes
 * the id.
 */
function fakeCmp(initial: TcData | null = { gdprApplies: true, eventStatus: 'cmpuishown' }) {
  const listeners = new Map<number, Listener>();
  let nextId = 7;
  const cmp = {
    listeners,
    removed: [] as unknown[],
    api: vi.fn((command: string, _version: number, callback: (...results: unknown[]) => void, parameter?: unknown) => {
      if (command == 'addEventListener') {
        const id = nextId++;
        listeners.set(id, callback as Listener);
        if (initial) callback({ tcString: 'x', listenerId: id, ...initial }, true);
      } else if (command == 'removeEventListener') {
        cmp.removed.push(parameter);
        callback(listeners.delete(parameter as number));
      }
    }),
    /** The TC string changed: every listener is told. */
    emit(tcData: TcData) {
      for (const [id, listener] of listeners) listener({ tcString: 'x', listenerId: id, ...tcData }, true);
    },
  };
  win.__tcfapi = cmp.api;
  return cmp;
}
const allPurposes = { consents: { 1: true, 2: true, 3: false, 7: true, 8: true, 9: true, 10: true } };

let report: Mock<(state: string) => void>;
let stop: (() => void) | undefined;
const start = () => (stop = onTcf(report));
beforeEach(() => {
  report = vi.fn();
});
afterEach(() => {
  stop?.();
  stop = undefined;
  delete win.__tcfapi;
  vi.useRealTimers();
});

describe('onTcf', () => {
  it('banner shown: pending; the visitor accepts purposes 1, 7, 8, 9: granted', () => {
    const cmp = fakeCmp();
    start();
    expect(cmp.api).toHaveBeenCalledWith('addEventListener', 2, expect.any(Function));
    expect(report.mock.calls).toEqual([['pending']]);
    cmp.emit({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose: allPurposes });
    expect(report.mock.calls).toEqual([['pending'], ['granted']]);
  });

  it('a stored choice (tcloaded) decides at once; a refused purpose among 1, 7, 8, 9 is denied', () => {
    fakeCmp({ gdprApplies: true, eventStatus: 'tcloaded', purpose: allPurposes });
    start();
    expect(report.mock.calls).toEqual([['granted']]);
    stop!();
    for (const refused of [1, 7, 8, 9]) {
      report.mockClear();
      fakeCmp({
        gdprApplies: true,
        eventStatus: 'tcloaded',
        purpose: { consents: { ...allPurposes.consents, [refused]: false } },
      });
      start();
      expect(report.mock.calls, 'purpose ' + refused).toEqual([['denied']]);
      stop!();
    }
  });

  it('purposes missing, consents missing or not true: denied', () => {
    for (const purpose of [
      undefined,
      null,
      {},
      { consents: null },
      { consents: { 1: 'true', 7: 1, 8: true, 9: true } },
    ]) {
      report.mockClear();
      fakeCmp({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose });
      start();
      expect(report.mock.calls, JSON.stringify(purpose)).toEqual([['denied']]);
      stop!();
    }
  });

  it('gdprApplies false: granted, whatever the purposes; gdprApplies missing: the purposes decide', () => {
    fakeCmp({ gdprApplies: false, eventStatus: 'tcloaded' });
    start();
    expect(report.mock.calls).toEqual([['granted']]);
    stop!();
    report.mockClear();
    fakeCmp({ eventStatus: 'tcloaded', purpose: { consents: { 1: true } } });
    start();
    expect(report.mock.calls).toEqual([['denied']]);
  });

  it('follows later changes; a re-opened banner keeps the last choice until it is confirmed', () => {
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'tcloaded', purpose: allPurposes });
    start();
    cmp.emit({ gdprApplies: true, eventStatus: 'cmpuishown', purpose: { consents: {} } });
    expect(report.mock.calls).toEqual([['granted']]);
    cmp.emit({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose: { consents: { 1: true } } });
    cmp.emit({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose: allPurposes });
    expect(report.mock.calls).toEqual([['granted'], ['denied'], ['granted']]);
  });

  it('ignores unsuccessful calls and malformed or hostile TCData without throwing', () => {
    const cmp = fakeCmp(null);
    start();
    const [listener] = cmp.listeners.values();
    const hostile = {
      get gdprApplies(): boolean {
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
    for (const tcData of [null, undefined, 5, 'tcloaded', hostile, proxy] as unknown as TcData[])
      expect(() => listener(tcData, true)).not.toThrow();
    listener({ gdprApplies: false }, false);
    expect(report).not.toHaveBeenCalled();
  });

  it('a CMP that throws, or a __tcfapi that is not a function, gives no signal and no throw', () => {
    win.__tcfapi = () => {
      throw new Error('CMP broken');
    };
    expect(start).not.toThrow();
    expect(() => stop!()).not.toThrow();
    win.__tcfapi = { addEventListener: true };
    expect(start).not.toThrow();
    expect(report).not.toHaveBeenCalled();
  });

  it('waits for a __tcfapi defined later (the CMP script loads after us), every 250 ms for 10 s', () => {
    vi.useFakeTimers();
    start();
    vi.advanceTimersByTime(3000);
    const cmp = fakeCmp({ gdprApplies: true, eventStatus: 'tcloaded', purpose: allPurposes });
    vi.advanceTimersByTime(250);
    expect(cmp.api).toHaveBeenCalledTimes(1);
    expect(report.mock.calls).toEqual([['granted']]);
    stop!();

    delete win.__tcfapi;
    report.mockClear();
    start();
    vi.advanceTimersByTime(10_250);
    expect(vi.getTimerCount()).toBe(0);
    const late = fakeCmp({ gdprApplies: false });
    vi.advanceTimersByTime(1000);
    expect(late.api).not.toHaveBeenCalled();
    expect(report).not.toHaveBeenCalled();
  });

  it('stop() removes the listener with its listenerId; later changes are not reported', () => {
    const cmp = fakeCmp();
    start();
    stop!();
    stop = undefined;
    expect(cmp.removed).toEqual([7]);
    expect(cmp.listeners.size).toBe(0);
    cmp.emit({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose: allPurposes });
    expect(report.mock.calls).toEqual([['pending']]);
  });

  it('a CMP that first calls back after stop() is told to remove that listener then', () => {
    const cmp = fakeCmp(null);
    start();
    stop!();
    stop = undefined;
    expect(cmp.removed).toEqual([]);
    cmp.emit({ gdprApplies: true, eventStatus: 'useractioncomplete', purpose: allPurposes });
    expect(cmp.removed).toEqual([7]);
    expect(report).not.toHaveBeenCalled();
  });
});
