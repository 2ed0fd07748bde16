import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/tracker';
import type { Config, Tracker } from '../../src/types';
import { values } from 'idb-keyval';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';
import { openStore } from '../../src/queue/idbStore';

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

const base = { endpoint: 'https://c.test/b', compress: false, flushInterval: 3_600_000 };
// A new page load: fresh modules (storage.ts and commerce.ts keep per-page memory), the same
// localStorage and IndexedDB. Each page's tracker is stopped before the next, as a reload would.
const pages: Tracker[] = [];
const newPage = async (c: Config) => {
  pages.splice(0).forEach((page) => page.stop());
  vi.resetModules();
  const { createTracker: create } = await import('../../src/tracker');
  const tracker = create({ ...base, ...c });
  pages.push(tracker);
  return { tracker, commerce: await import('../../src/commerce') };
};
afterEach(() => pages.splice(0).forEach((page) => page.stop()));
const storedKeys = () => Object.keys(localStorage).map((k) => k.replace('engagekit:v1:', ''));
const VISITOR = ['aid', 'uid', 'session', 'cart', 'checkout', 'order'];
const storedRecords = (dbName: string) => values(openStore(dbName));

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
    // A first visit (nothing stored): its session is announced once, on the grant.
    expect(col.events()).toEqual(['Session Started', 'Waiting 1', 'Waiting 2']);
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

describe('consent that keeps the visit whole', () => {
  it('pending on every page and granted on each (a consent manager re-granting): one session, page counts 1-3, one Session Started', async () => {
    localStorage.clear();
    const dbName = freshDb();
    for (let i = 0; i < 3; i++) {
      const { tracker } = await newPage({ dbName, consent: 'pending' });
      tracker.page();
      tracker.consent('granted');
      await tracker.flush();
    }
    const views = col.acked.filter((m) => m.type === 'page');
    expect(views).toHaveLength(3);
    expect(new Set(views.map((m) => m.context.session.id)).size).toBe(1);
    expect(views.map((m) => m.context.session.pageCount)).toEqual([1, 2, 3]);
    expect(views.map((m) => m.context.session.index)).toEqual([1, 1, 1]);
    expect(new Set(col.acked.map((m) => m.anonymousId)).size).toBe(1);
    expect(col.events()).toEqual(['Session Started']);
  });

  it('while pending, reads the stored visit but writes nothing; a page never granted leaves it as it was', async () => {
    localStorage.clear();
    const dbName = freshDb();
    const { tracker: first } = await newPage({ dbName });
    first.identify('u-1');
    first.page();
    await first.flush();
    const before = { ...localStorage };
    const { tracker: second, commerce } = await newPage({ dbName, consent: 'pending' });
    second.page();
    second.identify('u-2');
    commerce.addToCart(second.track.bind(second), { product_id: 'P' }, 'api');
    second.reset();
    second.track('Not granted');
    expect({ ...localStorage }).toEqual(before);
    // The next page is granted: the visit stored by the first goes on (its page view is the second sent).
    const { tracker: third } = await newPage({ dbName, consent: 'pending' });
    third.page();
    third.consent('granted');
    await third.flush();
    const [one, two] = col.acked.filter((m) => m.type === 'page');
    expect(two.context.session).toMatchObject({ id: one.context.session.id, index: 1, pageCount: 2 });
    expect(two.anonymousId).toBe(one.anonymousId);
    expect(two.userId).toBe('u-1');
    expect(col.events()).toEqual(['Session Started']);
  });

  it('the grant stores what the page changed while pending: reset, identify and the cart continue from there', async () => {
    localStorage.clear();
    const dbName = freshDb();
    const { tracker: first } = await newPage({ dbName });
    first.track('Granted');
    await first.flush();
    const oldAid = localStorage.getItem('engagekit:v1:aid');
    const { tracker, commerce } = await newPage({ dbName, consent: 'pending' });
    tracker.reset();
    tracker.identify('u-7');
    commerce.addToCart(tracker.track.bind(tracker), { product_id: 'P', cart_id: 'c-1' }, 'api');
    expect(localStorage.getItem('engagekit:v1:aid')).toBe(oldAid);
    expect(localStorage.getItem('engagekit:v1:cart')).toBeNull();
    tracker.consent('granted');
    await tracker.flush();
    const added = col.acked.find((m) => m.event === 'Product Added')!;
    expect(added.anonymousId).not.toBe(oldAid);
    expect(added.userId).toBe('u-7');
    expect(added.context.session.index).toBe(2);
    expect(localStorage.getItem('engagekit:v1:aid')).toBe(added.anonymousId);
    expect(localStorage.getItem('engagekit:v1:uid')).toBe('u-7');
    expect(localStorage.getItem('engagekit:v1:cart')).toBe('c-1');
    expect(JSON.parse(localStorage.getItem('engagekit:v1:session')!).id).toBe(added.context.session.id);
    expect(col.events()).toEqual(['Session Started', 'Granted', 'Session Started', 'Cart Started', 'Product Added']);
  });

  it('Global Privacy Control: identifiers neither read from nor written to storage, pending or granted', async () => {
    localStorage.clear();
    const dbName = freshDb();
    const { tracker: first } = await newPage({ dbName });
    first.identify('u-1');
    first.track('Before');
    await first.flush();
    const before = { ...localStorage };
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const { tracker } = await newPage({ dbName, consent: 'pending' });
    tracker.track('Private');
    tracker.consent('granted');
    tracker.track('Private 2');
    await tracker.flush();
    const named = (event: string) => col.acked.find((m) => m.event === event)!;
    const [stored, privateOne, privateTwo] = [named('Before'), named('Private'), named('Private 2')];
    expect(privateOne.anonymousId).not.toBe(stored.anonymousId);
    expect(privateOne.context.session.id).not.toBe(stored.context.session.id);
    expect(privateOne.userId).toBeUndefined();
    expect(privateTwo.anonymousId).toBe(privateOne.anonymousId);
    for (const key of ['aid', 'uid', 'session'])
      expect(localStorage.getItem('engagekit:v1:' + key)).toBe(before['engagekit:v1:' + key]);
  });
});

describe('opt-out and denial are final', () => {
  // A visitor with everything stored: identifiers, commerce state, a queued event (collector down)
  // and a spill left by an earlier page.
  const visitorWithEverything = async (dbName: string) => {
    localStorage.clear();
    const { tracker, commerce } = await newPage({ dbName });
    const track = tracker.track.bind(tracker);
    tracker.identify('u-1');
    commerce.completeOrder(track, { order_id: 'o-1' });
    commerce.addToCart(track, { product_id: 'P' }, 'api');
    commerce.startCheckout(track);
    col.down = true;
    tracker.track('Queued');
    await tracker.flush();
    col.down = false;
    localStorage.setItem(
      'engagekit:v1:spill.old-tab',
      JSON.stringify([
        { id: 'spilled', j: '{"type":"track","event":"Spilled"}', n: 33, t: Date.now(), q: 0, o: 'old-tab' },
      ]),
    );
    expect(storedKeys()).toEqual(expect.arrayContaining([...VISITOR, 'spill.old-tab']));
    expect(await storedRecords(dbName)).not.toEqual([]);
  };

  it.each([
    ['optOut()', (t: Tracker) => t.optOut()],
    ["consent('denied')", (t: Tracker) => t.consent('denied')],
  ])(
    '%s removes identifiers and commerce state, clears the queue and the spill, and discards what waited',
    async (_, stop) => {
      const dbName = freshDb();
      await visitorWithEverything(dbName);
      const oldAid = localStorage.getItem('engagekit:v1:aid');
      const { tracker } = await newPage({ dbName, consent: 'pending' });
      tracker.track('Waiting');
      stop(tracker);
      expect(storedKeys().filter((k) => VISITOR.includes(k) || k.startsWith('spill.'))).toEqual([]);
      await vi.waitFor(async () => expect(await storedRecords(dbName)).toEqual([]));
      // Whatever comes later (optIn, a grant), what was captured before is never sent.
      tracker.optIn();
      tracker.consent('granted');
      tracker.track('After');
      await tracker.flush();
      expect(col.events()).toEqual(['Session Started', 'After']);
      // A fresh start: another anonymous id, a first session.
      const after = col.acked.find((m) => m.event === 'After')!;
      expect(oldAid).toBeTruthy();
      expect(after.anonymousId).not.toBe(oldAid);
      expect(after.userId).toBeUndefined();
      expect(after.context.session.index).toBe(1);
    },
  );

  it('identify() while opted out or denied stores nothing, not even in memory for later', async () => {
    localStorage.clear();
    const { tracker } = await newPage({ dbName: freshDb() });
    tracker.optOut();
    tracker.identify('u-out');
    expect(localStorage.getItem('engagekit:v1:uid')).toBeNull();
    tracker.consent('denied');
    tracker.identify('u-denied');
    tracker.optIn();
    expect(localStorage.getItem('engagekit:v1:uid')).toBeNull();
    tracker.consent('granted');
    tracker.track('Back');
    await tracker.flush();
    expect(col.acked.map((m) => m.userId)).toEqual([undefined, undefined]);
    expect(localStorage.getItem('engagekit:v1:uid')).toBeNull();
  });

  it('optIn() after opt-out starts a new visitor: new anonymous id and session', async () => {
    localStorage.clear();
    const { tracker } = await newPage({ dbName: freshDb() });
    tracker.track('Before');
    await tracker.flush();
    tracker.optOut();
    tracker.optIn();
    tracker.track('After');
    await tracker.flush();
    const [start1, before, start2, after] = col.acked;
    expect([start1.event, before.event, start2.event, after.event]).toEqual([
      'Session Started',
      'Before',
      'Session Started',
      'After',
    ]);
    expect(after.anonymousId).not.toBe(before.anonymousId);
    expect(after.context.session.id).not.toBe(before.context.session.id);
  });

  it('a page that starts opted out deletes what is still queued or spilled and sends nothing', async () => {
    const dbName = freshDb();
    await visitorWithEverything(dbName);
    localStorage.setItem('engagekit:v1:optout', '1');
    const requests = col.fetch.mock.calls.length;
    const { tracker } = await newPage({ dbName });
    await vi.waitFor(async () => expect(await storedRecords(dbName)).toEqual([]));
    expect(storedKeys().filter((k) => VISITOR.includes(k) || k.startsWith('spill.'))).toEqual([]);
    await tracker.flush();
    expect(col.fetch.mock.calls.length).toBe(requests);
  });
});
