/**
 * The tracker end to end in happy-dom: real queue on fake-indexeddb, real dispatcher, a fake
 * collector behind `fetch`. Delivery through real page lifecycles is in test/browser.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore, values } from 'idb-keyval';
import { createTracker } from '../../src/tracker';
import type { Config, EngagekitError, Tracker } from '../../src/types';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';

let col: ReturnType<typeof fakeCollector>;
const trackers: Tracker[] = [];
let errors: EngagekitError[];
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

const make = (c: Config = {}) => {
  const t = createTracker({ endpoint: 'https://collector.test/v1/batch', writeKey: 'wk', compress: false, flushInterval: 600_000, dbName: freshDb(), onError: (e) => errors.push(e), ...c });
  trackers.push(t);
  return t;
};
const stored = (dbName: string) => values(createStore(dbName, 'events'));

beforeEach(() => {
  col = fakeCollector();
  errors = [];
  ongoingSession();
  warn.mockClear();
});
afterEach(() => {
  trackers.splice(0).forEach((t) => t.stop());
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('tracker delivery', () => {
  it('sends a Segment batch and deletes what was acknowledged', async () => {
    const dbName = freshDb();
    const t = make({ dbName });
    history.pushState({}, '', '/landing?utm_source=news&utm_campaign=spring&x=1');
    t.page();
    t.track('Signed Up', { plan: 'pro' });
    t.identify('u-1', { email_opt_in: true });
    t.track('After');
    expect(await t.flush()).toBe(true);
    const [req] = col.requests.filter((r) => r.body.batch.length > 0);
    expect(req.body.writeKey).toBe('wk');
    expect(Date.parse(req.body.sentAt)).toBeGreaterThan(0);
    expect(req.headers['Content-Type']).toBe('text/plain');
    // The utm_* parameters start a new session, announced first.
    const [started, pv, tr, id, after] = col.acked;
    expect(started).toMatchObject({ type: 'track', event: 'Session Started', properties: { landing_path: '/landing', source: 'news', name: 'spring' } });
    col.acked.shift();
    // Query parameters other than campaign ones are not recorded.
    expect(pv).toMatchObject({ type: 'page', name: document.title, properties: { path: '/landing', search: '?utm_source=news&utm_campaign=spring' } });
    expect(tr).toMatchObject({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } });
    expect(tr.userId).toBeUndefined();
    expect(id).toMatchObject({ type: 'identify', userId: 'u-1', traits: { email_opt_in: true } });
    expect(after.userId).toBe('u-1');
    for (const m of col.acked) {
      expect(m.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(m.anonymousId).toBe(pv.anonymousId);
      expect(m.context.campaign).toEqual({ source: 'news', name: 'spring' });
      expect(m.context.page.path).toBe('/landing');
      expect(m.context.library.name).toBe('engagekit');
      expect(m.context.session).toMatchObject({ id: pv.context.session.id, index: 2, pageCount: 1 });
    }
    expect(await stored(dbName)).toEqual([]);
  });

  it('retries a 503 with the same messageIds, keeping the events stored meanwhile', async () => {
    const dbName = freshDb();
    const t = make({ dbName });
    col.answers = [503];
    t.track('A');
    t.track('B');
    expect(await t.flush()).toBe(false);
    expect((await stored(dbName)).map((r) => JSON.parse(r.j).event).sort()).toEqual(['A', 'B']);
    expect(await t.flush()).toBe(true);
    const [failed, ok] = col.requests.filter((r) => r.body.batch.length);
    expect(failed.status).toBe(503);
    expect(ok.body.batch.map((m) => m.messageId)).toEqual(failed.body.batch.map((m) => m.messageId));
    expect(col.events()).toEqual(['A', 'B']);
    expect(await stored(dbName)).toEqual([]);
  });

  it('waits as long as Retry-After says before trying again on its own', async () => {
    const t = make({ dbName: freshDb() });
    col.answers = [[429, '1']];
    t.track('Throttled');
    const started = Date.now();
    expect(await t.flush()).toBe(false);
    await vi.waitFor(() => expect(col.events()).toEqual(['Throttled']), { timeout: 5000, interval: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('halves a batch on 413 down to one event, drops that one and reports it', async () => {
    const t = make({ dbName: freshDb() });
    // 4 → 413; [0,1] → 413; [0] → 200; [1] → 413 (dropped); [2,3] → 200
    col.answers = [413, 413, 200, 413, 200];
    for (const e of ['E0', 'E1', 'E2', 'E3']) t.track(e);
    expect(await t.flush()).toBe(true);
    expect(col.requests.map((r) => r.body.batch.length)).toEqual([4, 2, 1, 1, 2]);
    expect(col.events()).toEqual(['E0', 'E2', 'E3']);
    expect(errors).toEqual([expect.objectContaining({ type: 'rejected', status: 413, count: 1 })]);
  });

  it('drops a batch refused with another 4xx, reports it, and still sends the next', async () => {
    const t = make({ dbName: freshDb(), batchSize: 2 });
    col.answers = [400];
    for (const e of ['E0', 'E1', 'E2', 'E3']) t.track(e);
    await vi.waitFor(async () => expect(await t.flush()).toBe(true));
    expect(col.events()).toEqual(['E2', 'E3']);
    expect(errors).toEqual([expect.objectContaining({ type: 'rejected', status: 400, count: 2 })]);
  });

  it('gzips bodies over 1 KB when compression is on', async () => {
    const t = make({ dbName: freshDb(), compress: true });
    t.track('Small');
    await t.flush();
    t.track('Large', { text: 'lorem ipsum '.repeat(200) });
    await t.flush();
    expect(col.requests.map((r) => r.headers['Content-Encoding'])).toEqual([undefined, 'gzip']);
    expect(col.events()).toEqual(['Small', 'Large']);
  });

  it('drops the oldest events when the queue is full and says how many, to onError and the next batch', async () => {
    const t = make({ dbName: freshDb(), maxQueueSize: 3 });
    col.down = true;
    for (const e of ['E0', 'E1', 'E2', 'E3', 'E4']) t.track(e);
    expect(await t.flush()).toBe(false);
    expect(errors.filter((e) => e.type == 'dropped').reduce((n, e) => n + e.count!, 0)).toBe(2);
    col.down = false;
    expect(await t.flush()).toBe(true);
    expect(col.events()).toEqual(['E2', 'E3', 'E4']);
    expect(col.requests.at(-1)!.body.context).toEqual({ droppedEvents: 2 });
    t.track('Later');
    await t.flush();
    expect(col.requests.at(-1)!.body.context).toBeUndefined();
  });

  it('drops events older than maxAge unsent and reports them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = make({ dbName: freshDb(), maxAge: 60_000 });
    col.down = true;
    t.track('Stale');
    await t.flush();
    vi.setSystemTime(Date.now() + 61_000);
    col.down = false;
    t.track('Fresh');
    expect(await t.flush()).toBe(true);
    expect(col.events()).toEqual(['Fresh']);
    expect(errors).toContainEqual(expect.objectContaining({ type: 'dropped', count: 1 }));
  });

  it('lets beforeSend edit or drop events, and survives it throwing', async () => {
    const t = make({
      dbName: freshDb(),
      beforeSend: (m) => {
        if (m.event === 'Drop') return null;
        if (m.event === 'Throw') throw new Error('oops');
        return { ...m, properties: { ...m.properties, edited: true } };
      },
    });
    t.track('Keep');
    t.track('Drop');
    t.track('Throw');
    await t.flush();
    expect(col.acked.map((m) => [m.event, m.properties.edited])).toEqual([
      ['Keep', true],
      ['Throw', undefined],
    ]);
    expect(warn.mock.calls.map((c) => c[0]).join()).toMatch(/beforeSend threw \(Error: oops\)/);
  });

  it('opts out (discarding the queue, remembered) and back in', async () => {
    const dbName = freshDb();
    const t = make({ dbName });
    col.down = true;
    t.track('Before');
    await t.flush();
    t.optOut();
    t.track('While out');
    col.down = false;
    await vi.waitFor(async () => expect(await stored(dbName)).toEqual([]));
    const again = make({ dbName });
    again.track('Still out');
    again.optIn();
    again.track('Back');
    await again.flush();
    expect(col.events()).toEqual(['Back']);
  });

  it('reset gives a new anonymous id, no user id and a new session', async () => {
    const t = make({ dbName: freshDb() });
    t.identify('u-9');
    t.track('One');
    t.reset();
    t.track('Two');
    await t.flush();
    const [, one, , two] = col.acked;
    expect(one.userId).toBe('u-9');
    expect(two.userId).toBeUndefined();
    expect(two.anonymousId).not.toBe(one.anonymousId);
    expect(two.context.session.id).not.toBe(one.context.session.id);
    expect(two.context.session.index).toBe(one.context.session.index + 1);
    expect(col.events()).toEqual(['One', 'Session Started', 'Two']);
  });

  it('falls back to memory when IndexedDB fails, says so once, and loses nothing', async () => {
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => {
      throw new DOMException('disabled', 'UnknownError');
    });
    const t = make({ dbName: freshDb() });
    for (let i = 0; i < 5; i++) t.track('M' + i);
    expect(await t.flush()).toBe(true);
    expect(col.events()).toEqual(['M0', 'M1', 'M2', 'M3', 'M4']);
    expect(errors.filter((e) => e.type === 'storage')).toHaveLength(1);
    expect(warn.mock.calls.filter((c) => /IndexedDB/.test(String(c[0])))).toHaveLength(1);
    vi.restoreAllMocks();
  });

  it('without an endpoint does nothing, sends nothing and says so once', async () => {
    const t = createTracker({});
    t.track('x');
    t.page();
    expect(await t.flush()).toBe(true);
    expect(col.fetch).not.toHaveBeenCalled();
  });

  it('never throws into the page, whatever it is given', async () => {
    const t = make({ dbName: freshDb() });
    const bad: unknown[] = [undefined, null, 1, {}, [], () => 1, Symbol('s'), 'ok'];
    for (const a of bad) for (const b of bad) {
      expect(() => t.track(a as string, b as Record<string, unknown>)).not.toThrow();
      expect(() => t.identify(a as string, b as Record<string, unknown>)).not.toThrow();
      expect(() => t.page(a as Record<string, unknown>)).not.toThrow();
    }
    expect(await t.flush()).toBe(true);
    expect(col.acked.filter((m) => m.type === 'track').every((m) => m.event === 'ok')).toBe(true);
  });
});
