/**
 * The dispatcher through a real tracker. While the page lives: backoff that doubles and starts
 * over, Retry-After, flushes asked during a drain, `online`, gzip given up after a network error,
 * and stop() ending retries. The page-hide path: chunks under the keepalive budget, counted in
 * UTF-8 bytes and including requests already in flight; sendBeacon when fetch keepalive cannot
 * take more; and, once the page is left, a failed request is not sent again by this page.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { values } from 'idb-keyval';
import { openStore } from '../../../src/queue/idbStore';
import { createTracker } from '../../../src/tracker';
import { KEEPALIVE_BUDGET } from '../../../src/transport/post';
import { NETWORK_ERROR_SETTLE } from '../../../src/transport/dispatcher';
import type { Tracker } from '../../../src/types';
import { fakeCollector, freshDb, ongoingSession } from '../support/fakeCollector';

let col: ReturnType<typeof fakeCollector>;
let t: Tracker | undefined;
beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
// Trackers of the next page of the site, stopped after each test.
const nextPages: Tracker[] = [];
afterEach(() => {
  t?.stop();
  nextPages.splice(0).forEach((next) => next.stop());
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const make = (dbName = freshDb()) =>
  (t = createTracker({
    endpoint: 'https://c.test/b',
    dbName,
    compress: false,
    batchSize: 1000,
    flushInterval: 3_600_000,
  }));
/** The next page of the site, on the same queue. */
const nextPage = (dbName: string, flushInterval = 3_600_000) => {
  const next = createTracker({ endpoint: 'https://c.test/b', dbName, compress: false, flushInterval });
  nextPages.push(next);
  return next;
};
const leave = () => window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));

describe('leaving the page', () => {
  it('hands unsent events to fetch keepalive in chunks under the budget, multi-byte text counted in bytes', async () => {
    const tr = make();
    await tr.flush();
    for (let i = 0; i < 60; i++) tr.track('E' + i, { text: 'é'.repeat(500) }); // ~1.5 KB each in UTF-8
    const beacon = vi.fn(() => false);
    Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true });
    leave();
    const sent = col.fetch.mock.calls.map(([, init]) => init as RequestInit);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((i) => i.keepalive)).toBe(true);
    const bytes = sent.map((i) => new TextEncoder().encode(String(i.body)).length);
    expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(KEEPALIVE_BUDGET);
    // Over the budget the beacon was asked and refused: the rest stays stored for the next page load.
    expect(beacon).toHaveBeenCalled();
    await vi.waitFor(() =>
      expect(col.acked.length).toBe(sent.reduce((n, i) => n + JSON.parse(String(i.body)).batch.length, 0)),
    );
    expect(col.acked.length).toBeLessThan(60);
  });

  it('uses sendBeacon when keepalive has no room, and does not send those events again from this page', async () => {
    const tr = make();
    await tr.flush();
    for (let i = 0; i < 3; i++) tr.track('B' + i, { text: 'x'.repeat(25_000) }); // ~26 KB each: two fit the budget, in one request
    const beacon = vi.fn((_url: string, _data: Blob) => true);
    Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true });
    leave();
    expect(col.fetch).toHaveBeenCalledTimes(1);
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(JSON.parse(await beacon.mock.calls[0][1].text()).batch.map((m: { event: string }) => m.event)).toEqual([
      'B2',
    ]);
    await vi.waitFor(() => expect(col.events()).toEqual(['B0', 'B1']));
    await tr.flush();
    expect(col.fetch).toHaveBeenCalledTimes(1);
  });

  it('once the page is left, keeps events whose request failed for the next page instead of sending them again', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    tr.track('Gone');
    col.down = true; // as Chromium does: the promise of a keepalive request rejects once the page is gone
    leave();
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
    await tr.flush();
    expect(col.fetch).toHaveBeenCalledTimes(1);
    // Still stored: the next page load sends it (here the hand-off was lost, and the next page's
    // first request fails: that releases its hand-off claim, see "settling a hand-off" below).
    expect((await values(openStore(dbName))).map((r) => JSON.parse(r.j).event)).toEqual(['Gone']);
    const next = nextPage(dbName);
    next.track('Next');
    expect(await next.flush()).toBe(false);
    col.down = false;
    await vi.waitFor(async () => expect(await next.flush()).toBe(true));
    expect(col.events()).toEqual(['Gone', 'Next']);
  });

  it('on the visibilitychange that follows pagehide, hands what was captured since to sendBeacon only, and claims it too', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    tr.track('A');
    const beacon = vi.fn((_url: string, _data: Blob) => true);
    Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true });
    // Chromium rejects the promise of that request (the browser still carries it): our count of the
    // keepalive quota frees its bytes, the browser's does not.
    col.down = true;
    leave();
    expect(col.fetch).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve));
    tr.track('B'); // as a capture reports on that visibilitychange
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(col.fetch).toHaveBeenCalledTimes(1);
    expect(JSON.parse(await beacon.mock.calls[0][1].text()).batch.map((m: { event: string }) => m.event)).toEqual([
      'B',
    ]);
    await vi.waitFor(async () =>
      expect(
        (await values(openStore(dbName))).map((r) => [JSON.parse(r.j).event, r.c > Date.now() + 9 * 60_000]).sort(),
      ).toEqual([
        ['A', true],
        ['B', true],
      ]),
    );
  });

  it('a network error just before pagehide does not make the page hand the same events over again', async () => {
    // Chromium rejects a keepalive request in flight once a cross-site navigation begins, sometimes
    // before pagehide, although the request is delivered: the page must not send those events twice.
    // Nor is that error news of the collector (the page did not stay to see it confirmed): the events
    // are claimed like a hand-off, for the next page's first answer to settle (see HANDOFF_TTL).
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    tr.track('InFlight');
    col.down = true;
    expect(await tr.flush()).toBe(false);
    const sent = col.fetch.mock.calls.length;
    col.down = false;
    leave();
    expect(col.fetch).toHaveBeenCalledTimes(sent);
    await vi.waitFor(async () =>
      expect(
        (await values(openStore(dbName))).map((r) => [JSON.parse(r.j).event, r.c > Date.now() + 9 * 60_000]),
      ).toEqual([['InFlight', true]]),
    );
  });

  it('a network error the page outlived by NETWORK_ERROR_SETTLE is the collector being down: what it leaves is not claimed', async () => {
    // The collector fails a request at once; a navigation's rejection comes with its pagehide.
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    tr.track('Down');
    col.down = true;
    expect(await tr.flush()).toBe(false);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + NETWORK_ERROR_SETTLE });
    leave();
    expect(localStorage.getItem('engagekit:v1:down')).toBe('1');
    const key = Object.keys(localStorage).find((k) => k.startsWith('engagekit:v1:spill.'))!;
    expect(
      JSON.parse(localStorage.getItem(key)!).map((r: { j: string; c: number }) => [JSON.parse(r.j).event, r.c]),
    ).toEqual([['Down', 0]]);
  });

  it('a network error on a request in flight a while is not the collector being down, even outlived by NETWORK_ERROR_SETTLE: what it leaves is claimed', async () => {
    // A navigation's rejection of a request the collector was holding: on a loaded machine its
    // pagehide can come more than NETWORK_ERROR_SETTLE later (the first test of
    // leaveBeforeAnswer.test.ts failed so in CI once: the next page sent its 24 events again).
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    tr.track('Held');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    col.fetch.mockImplementationOnce(async () => {
      vi.setSystemTime(Date.now() + NETWORK_ERROR_SETTLE);
      throw new TypeError('Failed to fetch');
    });
    expect(await tr.flush()).toBe(false);
    vi.setSystemTime(Date.now() + NETWORK_ERROR_SETTLE);
    leave();
    expect(localStorage.getItem('engagekit:v1:down')).toBeNull();
    const key = Object.keys(localStorage).find((k) => k.startsWith('engagekit:v1:spill.'))!;
    expect(
      JSON.parse(localStorage.getItem(key)!).map((r: { j: string; c: number }) => [
        JSON.parse(r.j).event,
        r.c > Date.now() + 9 * 60_000,
      ]),
    ).toEqual([['Held', true]]);
  });

  it('a page that stays retries events held after a network error at its next drain', async () => {
    const tr = make();
    await tr.flush();
    tr.track('Retried');
    col.down = true;
    expect(await tr.flush()).toBe(false);
    col.down = false;
    await vi.waitFor(async () => expect(await tr.flush()).toBe(true));
    expect(col.events()).toEqual(['Retried']);
  });

  it('after a back/forward-cache restore, sends again what was cut off (within flushInterval) and resumes', async () => {
    // The keepalive request's network error may come after the restore's own drain: what it held is
    // released by the next drain, within flushInterval (see outcomeUnknown in dispatcher.ts).
    const tr = (t = createTracker({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: false,
      flushInterval: 300,
    }));
    await tr.flush();
    tr.track('Frozen');
    col.down = true;
    leave();
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
    col.down = false;
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await vi.waitFor(() => expect(col.events()).toEqual(['Frozen']));
    tr.track('After');
    await tr.flush();
    expect(col.events()).toEqual(['Frozen', 'After']);
  });
});

describe('leaving before IndexedDB has the last events', () => {
  it('copies what is not acknowledged to localStorage on pagehide; the next page restores and sends it, then deletes the copy', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    col.answers = [503];
    for (let i = 0; i < 3; i++) tr.track('S' + i);
    // The collector is known to be down, a 503 (so the copy carries no hand-off claim: see below; a
    // network error would not tell, the page being left right after it).
    expect(await tr.flush()).toBe(false);
    col.down = true;
    leave();
    const key = Object.keys(localStorage).find((k) => k.startsWith('engagekit:v1:spill.'))!;
    expect(
      JSON.parse(localStorage.getItem(key)!)
        .map((r: { j: string }) => JSON.parse(r.j).event)
        .sort(),
    ).toEqual(['S0', 'S1', 'S2']);
    // As if the page died before its IndexedDB write committed.
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalled());
    const { clear } = await import('idb-keyval');
    await clear(openStore(dbName));
    col.down = false;
    const next = createTracker({ endpoint: 'https://c.test/b', dbName, compress: false, flushInterval: 3_600_000 });
    await vi.waitFor(() => expect(col.events().sort()).toEqual(['S0', 'S1', 'S2']), { timeout: 5000, interval: 50 });
    expect(localStorage.getItem(key)).toBeNull();
    next.stop();
  });
});

describe('handing off to the browser', () => {
  it('when the collector was answering, keeps handed-off events claimed so the next page does not send them again at once', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    tr.track('First');
    await tr.flush(); // a 2xx: the collector is known to answer
    tr.track('Handed');
    col.down = true; // the promise rejects once the page is gone, although the browser delivers it
    leave();
    await vi.waitFor(async () => {
      const [r] = await values(openStore(dbName));
      expect(r.c).toBeGreaterThan(Date.now() + 9 * 60_000);
    });
    col.down = false;
    const next = createTracker({ endpoint: 'https://c.test/b', dbName, compress: false, flushInterval: 3_600_000 });
    expect(await next.flush()).toBe(true);
    expect(col.events()).toEqual(['First']);
    next.stop();
  });

  it('a new event on the next page is sent after flushInterval, not when those claims run out 10 min later', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    tr.track('First');
    await tr.flush();
    tr.track('Handed');
    col.down = true;
    leave();
    await vi.waitFor(async () =>
      expect((await values(openStore(dbName)))[0].c).toBeGreaterThan(Date.now() + 9 * 60_000),
    );
    col.down = false;
    tr.stop(); // that page is gone
    t = createTracker({ endpoint: 'https://c.test/b', dbName, compress: false, flushInterval: 50 });
    // Its drain finds only the handed-off claim and sets a wake-up for when that runs out.
    expect(await t.flush()).toBe(true);
    t.track('Next page');
    await vi.waitFor(() => expect(col.events()).toContain('Next page'), { timeout: 3000 });
    expect(col.events().filter((e) => e == 'Handed')).toEqual([]);
  });
});

describe('settling a hand-off: a first visit left before the collector answered anything', () => {
  /** As Chromium does once the page is gone: the collector gets (and acknowledges) the request, the page's promise rejects. */
  const deliveredUnseen = () => {
    const inner = col.fetch.getMockImplementation()!;
    col.fetch.mockImplementation(async (url: string, init: RequestInit) => {
      await inner(url, init);
      throw new TypeError('Failed to fetch');
    });
    return () => col.fetch.mockImplementation(inner);
  };
  const stored = async (dbName: string) =>
    (await values(openStore(dbName))).map((r) => [JSON.parse(r.j).event, r.c > Date.now() + 9 * 60_000]);
  // The first page: tracks `Handed` and is left before any answer. `lost`: the browser did not deliver it.
  const firstVisit = async (dbName: string, lost: boolean) => {
    const tr = make(dbName);
    tr.track('Handed');
    const restore = lost ? ((col.down = true), () => (col.down = false)) : deliveredUnseen();
    leave();
    // Claimed for 10 minutes although no page of the site has heard from the collector yet.
    await vi.waitFor(async () => expect(await stored(dbName)).toEqual([['Handed', true]]));
    restore();
    tr.stop(); // that page is gone
  };

  it('the next page hears a 2xx first: the claims stand, so what the browser delivered is not sent again', async () => {
    const dbName = freshDb();
    await firstVisit(dbName, false);
    expect(col.events()).toEqual(['Handed']);
    const next = nextPage(dbName);
    next.track('Next');
    expect(await next.flush()).toBe(true);
    // A failure after that first answer settles nothing more.
    col.answers = [503];
    next.track('Later');
    expect(await next.flush()).toBe(false);
    expect(await next.flush()).toBe(true);
    expect(col.events()).toEqual(['Handed', 'Next', 'Later']);
    expect(await stored(dbName)).toEqual([['Handed', true]]);
  });

  it.each([
    ['a network error', () => (col.down = true), () => (col.down = false)],
    ['503', () => (col.answers = [503]), () => undefined],
    ['429', () => (col.answers = [429]), () => undefined],
  ])(
    'the next page hears a failure first (%s): the claims are released and its retries send them',
    async (_, fail, recover) => {
      const dbName = freshDb();
      await firstVisit(dbName, true);
      const next = nextPage(dbName);
      expect(await next.flush()).toBe(true); // claimed: nothing to send yet
      fail();
      next.track('Next');
      expect(await next.flush()).toBe(false);
      recover();
      await vi.waitFor(async () => expect(await next.flush()).toBe(true));
      expect(col.events().sort()).toEqual(['Handed', 'Next']);
      expect(await stored(dbName)).toEqual([]);
    },
  );

  it('a next page left before its own first answer passes those claims on to the page after it', async () => {
    const dbName = freshDb();
    await firstVisit(dbName, true);
    const second = nextPage(dbName);
    expect(await second.flush()).toBe(true); // nothing of its own to send: no answer
    leave();
    second.stop();
    const third = nextPage(dbName);
    col.down = true;
    third.track('Third');
    expect(await third.flush()).toBe(false);
    col.down = false;
    await vi.waitFor(async () => expect(await third.flush()).toBe(true));
    expect(col.events().sort()).toEqual(['Handed', 'Third']);
  });

  it('after a failure the site has seen, a page left claims nothing: the next page sends at once', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    col.answers = [503];
    tr.track('Handed');
    expect(await tr.flush()).toBe(false);
    col.down = true;
    leave();
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(2));
    expect(await stored(dbName)).toEqual([['Handed', false]]);
    col.down = false;
    tr.stop();
    expect(await nextPage(dbName).flush()).toBe(true);
    expect(col.events()).toEqual(['Handed']);
  });

  it('an opt-out on the next page forgets those claims: an opt-in and a leave do not bring the events back', async () => {
    const dbName = freshDb();
    await firstVisit(dbName, true);
    const next = nextPage(dbName);
    expect(await next.flush()).toBe(true);
    next.optOut();
    next.optIn();
    leave();
    const spilled = Object.keys(localStorage).filter((k) => k.includes('spill.'));
    expect(spilled.map((k) => localStorage.getItem(k)).join()).not.toContain('Handed');
    await vi.waitFor(async () => expect(await stored(dbName)).toEqual([]));
  });
});

/** Wait for a condition that needs IndexedDB (setImmediate tasks) but no timer, so fake time stays put. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
  // Let the answer be processed too (release, next timer).
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Hold every request until `open()`: a send in flight. */
function gated() {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const inner = col.fetch.getMockImplementation()!;
  col.fetch.mockImplementation(async (url: string, init: RequestInit) => {
    await gate;
    return inner(url, init);
  });
  return open;
}

describe('retrying while the page lives', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // The lowest jitter: each backoff is exactly half of 1 s, 2 s, 4 s, ...
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => vi.useRealTimers());

  it('retries on its own after a backoff that doubles with each failure and starts over after a success', async () => {
    const tr = make();
    await tr.flush();
    col.answers = [503, 500, 200, 503, 200];
    tr.track('A');
    expect(await tr.flush()).toBe(false);
    await vi.advanceTimersByTimeAsync(499);
    expect(col.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => col.requests.length === 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(col.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => col.requests.length === 3);
    expect(col.events()).toEqual(['A']);
    tr.track('B');
    expect(await tr.flush()).toBe(false);
    await vi.advanceTimersByTimeAsync(499);
    expect(col.requests).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => col.requests.length === 5);
    expect(col.events()).toEqual(['A', 'B']);
    expect(col.requests.map((r) => r.status)).toEqual([503, 500, 200, 503, 200]);
  });

  it('waits exactly as long as Retry-After says', async () => {
    const tr = make();
    await tr.flush();
    col.answers = [
      [429, '3'],
      [503, new Date(Date.now() + 8000).toUTCString()],
    ];
    tr.track('Throttled');
    expect(await tr.flush()).toBe(false);
    await vi.advanceTimersByTimeAsync(2999);
    expect(col.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => col.requests.length === 2);
    // An HTTP date (whole seconds): between 7 and 8 s from when it was made.
    await vi.advanceTimersByTimeAsync(6000);
    expect(col.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    await until(() => col.requests.length === 3);
    expect(col.events()).toEqual(['Throttled']);
  });

  it('stop() ends retries: a send that fails after stop() is not tried again by that tracker', async () => {
    const tr = make();
    await tr.flush();
    const open = gated();
    col.answers = [503];
    tr.track('A');
    const sent = tr.flush();
    await until(() => col.fetch.mock.calls.length === 1);
    tr.stop();
    open();
    expect(await sent).toBe(false);
    await vi.advanceTimersByTimeAsync(3_600_000);
    await until(() => true);
    expect(col.fetch).toHaveBeenCalledTimes(1);
  });
});

describe('sending while the page lives', () => {
  it('answers a flush asked during a drain with one more drain after it, never sending an event twice', async () => {
    const tr = make();
    await tr.flush();
    const open = gated();
    tr.track('A');
    const first = tr.flush();
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
    tr.track('B');
    const second = tr.flush();
    const third = tr.flush();
    open();
    expect(await Promise.all([first, second, third])).toEqual([true, true, true]);
    expect(col.requests.map((r) => r.body.batch.map((m) => m.event))).toEqual([['A'], ['B']]);
  });

  it('a full batch goes at once; what trickles in while it is sent waits for the next full batch or the interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const tr = (t = createTracker({
        endpoint: 'https://c.test/b',
        dbName: freshDb(),
        compress: false,
        batchSize: 3,
        flushInterval: 60_000,
      }));
      await vi.waitFor(async () => expect(await tr.flush()).toBe(true));
      const open = gated();
      for (const e of ['A', 'B', 'C']) tr.track(e);
      await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
      tr.track('D');
      open();
      await vi.waitFor(() => expect(col.events()).toEqual(['A', 'B', 'C']));
      // D alone is not sent one event per request: it waits.
      for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(10);
      expect(col.fetch).toHaveBeenCalledTimes(1);
      tr.track('E');
      tr.track('F');
      await vi.waitFor(() => expect(col.events()).toEqual(['A', 'B', 'C', 'D', 'E', 'F']));
      tr.track('G');
      for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(10);
      expect(col.fetch).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(() => expect(col.events()).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G']));
      expect(col.requests.map((r) => r.body.batch.length)).toEqual([3, 3, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends when the browser comes back online', async () => {
    const tr = make();
    await tr.flush();
    col.down = true;
    tr.track('Offline');
    expect(await tr.flush()).toBe(false);
    col.down = false;
    window.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(col.events()).toEqual(['Offline']));
  });

  it('after a network error with gzip, sends plain (a proxy may refuse the header)', async () => {
    const tr = (t = createTracker({
      endpoint: 'https://c.test/b',
      dbName: freshDb(),
      compress: true,
      batchSize: 1000,
      flushInterval: 3_600_000,
    }));
    await tr.flush();
    col.down = true;
    tr.track('Big', { text: 'x'.repeat(3000) });
    expect(await tr.flush()).toBe(false);
    expect((col.fetch.mock.calls[0][1] as RequestInit).headers).toEqual({
      'Content-Type': 'text/plain',
      'Content-Encoding': 'gzip',
    });
    col.down = false;
    expect(await tr.flush()).toBe(true);
    expect(col.requests.map((r) => r.headers['Content-Encoding'])).toEqual([undefined]);
    expect(col.events()).toEqual(['Big']);
  });
});

describe('opt-out and denial with a batch in flight', () => {
  const spills = () => Object.keys(localStorage).filter((k) => k.includes('spill.'));
  const stops: [string, (t: Tracker) => void][] = [
    ['opts out', (t) => t.optOut()],
    ['denies consent', (t) => t.consent('denied')],
  ];
  const failures: [string, () => void][] = [
    ['a network error', () => (col.down = true)],
    ['503', () => (col.answers = [503])],
  ];
  it.each(stops.flatMap(([stop, doStop]) => failures.map(([failure, fail]) => [stop, failure, doStop, fail] as const)))(
    'a batch in flight when the visitor %s, which then fails (%s), is deleted: not retried, not handed over or spilled as the page is left, not sent by the next page',
    async (_stop, _failure, stop, fail) => {
      const dbName = freshDb();
      const tr = make(dbName);
      await tr.flush();
      const open = gated();
      tr.track('In flight');
      const sending = tr.flush();
      await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
      stop(tr);
      fail();
      open();
      await sending;
      document.dispatchEvent(new Event('visibilitychange'));
      leave();
      await tr.flush();
      expect(col.fetch).toHaveBeenCalledTimes(1);
      expect(spills()).toEqual([]);
      expect(await values(openStore(dbName))).toEqual([]);
      // The next page of the site (opted out still, or with consent granted there again) sends none of it.
      col.down = false;
      const next = createTracker({ endpoint: 'https://c.test/b', dbName, compress: false, flushInterval: 3_600_000 });
      expect(await next.flush()).toBe(true);
      next.stop();
      expect(col.fetch).toHaveBeenCalledTimes(1);
    },
  );

  it('opted out and in again while a batch is in flight: that batch is still deleted when it fails (captured before the opt-out)', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    const open = gated();
    tr.track('Before');
    const sending = tr.flush();
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
    tr.optOut();
    tr.optIn();
    col.answers = [503];
    open();
    await sending;
    tr.track('After');
    expect(await tr.flush()).toBe(true);
    expect(col.events()).toEqual(['Session Started', 'After']);
    expect(await values(openStore(dbName))).toEqual([]);
  });

  it('an answer that comes after the opt-out deletes the batch whatever it says: a 2xx means the collector has it', async () => {
    const dbName = freshDb();
    const tr = make(dbName);
    await tr.flush();
    const open = gated();
    tr.track('Arrived');
    const sending = tr.flush();
    await vi.waitFor(() => expect(col.fetch).toHaveBeenCalledTimes(1));
    tr.optOut();
    open();
    await sending;
    expect(col.events()).toEqual(['Arrived']);
    expect(await values(openStore(dbName))).toEqual([]);
  });

  it('opted out in another tab (the flag in storage, before its message arrives): nothing is sent, handed over or spilled', async () => {
    const tr = make();
    await tr.flush();
    tr.track('Held here');
    localStorage.setItem('engagekit:v1:optout', '1');
    expect(await tr.flush()).toBe(true);
    document.dispatchEvent(new Event('visibilitychange'));
    leave();
    expect(col.fetch).not.toHaveBeenCalled();
    expect(spills()).toEqual([]);
  });
});

describe('on a page that replaced JSON.stringify', () => {
  it('still writes the write key into the request body as JSON', async () => {
    const native = JSON.stringify;
    vi.spyOn(JSON, 'stringify').mockImplementation((value, ...rest) =>
      typeof value == 'string' ? 'garbage' : native(value, ...rest),
    );
    t = createTracker({ endpoint: 'https://c.test/b', dbName: freshDb(), writeKey: 'k"ey\u2028', compress: false });
    t.track('Keyed');
    await t.flush();
    expect(col.requests.map((r) => r.body.writeKey)).toEqual(['k"ey\u2028']);
  });
});
