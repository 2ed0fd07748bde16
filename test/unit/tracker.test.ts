/**
 * The tracker end to end in happy-dom: real queue on fake-indexeddb, real dispatcher, a fake
 * collector behind `fetch`. Delivery through real page lifecycles is in test/browser.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { values } from 'idb-keyval';
import { createTracker } from '../../src/tracker';
import type { Config, EngagekitError, Tracker } from '../../src/types';
import { VERSION } from '../../src/version';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';
import { openStore } from '../../src/queue/idbStore';

let col: ReturnType<typeof fakeCollector>;
const trackers: Tracker[] = [];
let errors: EngagekitError[];
let warn: MockInstance<typeof console.warn>;

const make = (c: Config = {}) => {
  const t = createTracker({
    endpoint: 'https://collector.test/v1/batch',
    writeKey: 'wk',
    compress: false,
    flushInterval: 600_000,
    dbName: freshDb(),
    onError: (e) => errors.push(e),
    ...c,
  });
  trackers.push(t);
  return t;
};
const stored = (dbName: string) => values(openStore(dbName));

beforeEach(() => {
  col = fakeCollector();
  errors = [];
  ongoingSession();
  // In beforeEach: a test that restores all mocks must not leave the next one without a spy.
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
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
    expect(started).toMatchObject({
      type: 'track',
      event: 'Session Started',
      properties: { landing_path: '/landing', source: 'news', name: 'spring' },
    });
    col.acked.shift();
    // Query parameters other than campaign ones are not recorded.
    expect(pv).toMatchObject({
      type: 'page',
      name: document.title,
      properties: { path: '/landing', search: '?utm_source=news&utm_campaign=spring' },
    });
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
    // Opted in again, the visitor starts fresh: a new anonymous id and session.
    expect(col.events()).toEqual(['Session Started', 'Back']);
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
    for (const a of bad)
      for (const b of bad) {
        expect(() => t.track(a as string, b as Record<string, unknown>)).not.toThrow();
        expect(() => t.identify(a as string, b as Record<string, unknown>)).not.toThrow();
        expect(() => t.page(a as Record<string, unknown>)).not.toThrow();
      }
    expect(await t.flush()).toBe(true);
    expect(col.acked.filter((m) => m.type === 'track').every((m) => m.event === 'ok')).toBe(true);
  });
});

describe('the wire format', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('sends the properties as they were at the call, though it serialises later', async () => {
    const t = make();
    const properties: Record<string, unknown> = { step: 1 };
    t.track('Reused', properties);
    properties.step = 2;
    properties.extra = true;
    await t.flush();
    expect(col.acked.map((m) => m.properties)).toEqual([{ step: 1 }]);
  });

  it('sends every Segment field of track, page and identify, exactly, and nothing else', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now() + 60_000;
    vi.setSystemTime(now);
    const timestamp = new Date(now).toISOString();
    document.title = 'Shop';
    history.pushState(
      {},
      '',
      '/shop/item?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero',
    );
    const t = make({ writeKey: 'key-1' });
    t.track('Viewed', { sku: 'A1', price: 9.5 });
    t.page({ section: 'shoes' });
    t.identify(42 as unknown as string, { plan: 'pro' });
    t.track('After');
    expect(await t.flush()).toBe(true);

    expect(col.fetch).toHaveBeenCalledTimes(1);
    const [url, init] = col.fetch.mock.calls[0];
    expect(url).toBe('https://collector.test/v1/batch');
    expect(init).toMatchObject({
      method: 'POST',
      credentials: 'omit',
      keepalive: true,
      headers: { 'Content-Type': 'text/plain' },
    });
    const { body } = col.requests[0];
    expect(Object.keys(body).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
    expect(body.writeKey).toBe('key-1');
    expect(body.sentAt).toBe(timestamp);

    const [started, viewed, pv, id, after] = body.batch;
    expect(body.batch).toHaveLength(5);
    const anonymousId = viewed.anonymousId;
    expect(anonymousId).toMatch(UUID);
    const ids = body.batch.map((m) => m.messageId);
    for (const m of ids) expect(m).toMatch(UUID);
    expect(new Set(ids).size).toBe(5);
    const page = {
      url: location.href,
      path: '/shop/item',
      referrer: '',
      title: 'Shop',
      search: '?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero',
    };
    const campaign = { source: 'news', medium: 'email', name: 'spring', term: 'shoes', content: 'hero' };
    // Another campaign than the ongoing visit's: a new session, announced first.
    const session = (pageCount: number) => ({
      id: started.context.session.id,
      index: 2,
      pageCount,
      startedAt: timestamp,
    });
    const context = (pageCount: number) => ({
      page,
      library: { name: 'engagekit', version: VERSION },
      locale: navigator.language,
      campaign,
      session: session(pageCount),
    });
    const common = (i: number, pageCount: number) => ({
      messageId: ids[i],
      timestamp,
      anonymousId,
      context: context(pageCount),
    });
    expect(started).toEqual({
      type: 'track',
      event: 'Session Started',
      properties: { landing_page: page.url, landing_path: '/shop/item', referrer: '', ...campaign },
      ...common(0, 0),
    });
    expect(viewed).toEqual({ type: 'track', event: 'Viewed', properties: { sku: 'A1', price: 9.5 }, ...common(1, 0) });
    expect(pv).toEqual({ type: 'page', name: 'Shop', properties: { ...page, section: 'shoes' }, ...common(2, 1) });
    expect(id).toEqual({ type: 'identify', traits: { plan: 'pro' }, userId: '42', ...common(3, 1) });
    expect(after).toEqual({ type: 'track', event: 'After', properties: {}, userId: '42', ...common(4, 1) });
  });

  it('keeps the anonymous id across page loads and names a page view after its name property', async () => {
    const first = make();
    first.track('One');
    await first.flush();
    first.stop();
    const second = make();
    second.page({ name: 'Pricing' });
    await second.flush();
    const [one, pv] = col.acked;
    expect(pv.anonymousId).toBe(one.anonymousId);
    expect(pv).toMatchObject({ type: 'page', name: 'Pricing', properties: { name: 'Pricing' } });
  });

  it('without an endpoint records nothing, stores nothing, and warns once', async () => {
    // A fresh page (modules), so its one warning is not one said before.
    vi.resetModules();
    const fresh = (await import('../../src/tracker')).createTracker;
    const dbName = freshDb();
    const t = fresh({ dbName, writeKey: 'k' });
    trackers.push(t);
    t.track('x');
    t.page();
    t.identify('u');
    expect(await t.flush()).toBe(true);
    expect(await t.flush()).toBe(true);
    expect(col.fetch).not.toHaveBeenCalled();
    expect(warn.mock.calls.map((c) => c[0])).toEqual(['engagekit: endpoint missing: nothing will be recorded']);
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
  });
});
