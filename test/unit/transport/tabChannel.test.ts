/**
 * The channel between the site's tabs (Node's BroadcastChannel, which delivers between instances
 * in one process as a browser does between tabs): claims and stops get through, anything else a
 * script of the origin posts is ignored without throwing; and through real trackers, a tab where
 * the visitor opts out or denies consent stops the others.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { values } from 'idb-keyval';
import { tabChannel, type Stop } from '../../../src/transport/tabChannel';
import { createTracker } from '../../../src/tracker';
import type { Config } from '../../../src/types';
import type { Rec } from '../../../src/queue/record';
import { fakeCollector, freshDb, ongoingSession } from '../support/fakeCollector';
import { openStore } from '../../../src/queue/idbStore';

let col: ReturnType<typeof fakeCollector>;
const closers: (() => void)[] = [];
beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  closers.splice(0).forEach((close) => close());
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('tabChannel', () => {
  it('delivers claims and stops to the other tabs, and ignores every other shape without throwing', async () => {
    const name = 'engagekit:' + freshDb();
    const claims: string[][] = [];
    const stopsSeen: Stop[] = [];
    const errors: unknown[] = [];
    const onError = (event: unknown) => errors.push(event);
    process.on('uncaughtException', onError);
    closers.push(() => process.off('uncaughtException', onError));
    let throwing = true;
    const receiver = tabChannel(
      name,
      (ids) => claims.push(ids),
      (kind) => {
        stopsSeen.push(kind);
        // A stop handler that fails must not throw into the page either.
        if (throwing) {
          throwing = false;
          throw new Error('handler failed');
        }
      },
    );
    const sender = tabChannel(name, vi.fn(), vi.fn());
    const page = new BroadcastChannel(name); // any script of the origin can post here
    closers.push(
      () => receiver._close(),
      () => sender._close(),
      () => page.close(),
    );
    for (const junk of [null, undefined, 1, 'x', 'OPTOUT', {}, { length: 2 }, [1, 2], ['ok', 3], [['a']], [null], true])
      page.postMessage(junk);
    page.postMessage('optout');
    sender._claim([{ id: 'm-1' }, { id: 'm-2' }] as Rec[]);
    sender._stop('denied');
    page.postMessage([]);
    await vi.waitFor(() => expect(claims).toEqual([['m-1', 'm-2'], []]));
    expect(stopsSeen).toEqual(['optout', 'denied']);
    expect(errors).toEqual([]);
  });

  it('posts nothing once closed, and again once reopened', async () => {
    const name = 'engagekit:' + freshDb();
    const stopsSeen: Stop[] = [];
    const receiver = tabChannel(name, vi.fn(), (kind) => stopsSeen.push(kind));
    const sender = tabChannel(name, vi.fn(), vi.fn());
    closers.push(
      () => receiver._close(),
      () => sender._close(),
    );
    sender._close();
    sender._stop('optout');
    sender._open();
    sender._stop('denied');
    await vi.waitFor(() => expect(stopsSeen).toEqual(['denied']));
  });
});

describe('a stop told to the other tabs', () => {
  const tab = (c: Config) => {
    const tracker = createTracker({
      endpoint: 'https://c.test/b',
      compress: false,
      flushInterval: 3_600_000,
      ...c,
    });
    closers.push(() => tracker.stop());
    return tracker;
  };
  // Resolves once a stop posted on the site's channel has reached the other tabs: a listener of its
  // own sees it, and the tabs' listeners ran in the same task or earlier.
  const heard = (dbName: string) => {
    const probe = new BroadcastChannel('engagekit:' + dbName);
    closers.push(() => probe.close());
    return new Promise<void>((resolve) => (probe.onmessage = () => setTimeout(resolve)));
  };

  it('denial in one tab: the other discards what it holds, queued or waiting, and captures nothing more', async () => {
    const dbName = freshDb();
    const other = tab({ dbName });
    const pending = tab({ dbName, consent: 'pending' });
    await other.flush();
    col.down = true;
    other.track('Queued there');
    expect(await other.flush()).toBe(false);
    pending.track('Waiting there');
    const here = tab({ dbName, consent: 'pending' });
    const told = heard(dbName);
    here.consent('denied');
    col.down = false;
    // Denial is not stored: only the channel tells the other tabs.
    await told;
    other.track('After');
    expect(await other.flush()).toBe(true);
    expect(await values(openStore(dbName))).toEqual([]);
    pending.consent('granted');
    await pending.flush();
    await other.flush();
    expect(col.acked).toEqual([]);
  });

  it('opt-out in one tab: the other discards what waits for consent there, even if the visitor later opts in again', async () => {
    const dbName = freshDb();
    const pending = tab({ dbName, consent: 'pending' });
    pending.track('Waiting there');
    const here = tab({ dbName });
    const told = heard(dbName);
    here.optOut();
    await told;
    // An opt-in and a grant there release nothing captured before the opt-out.
    pending.optIn();
    pending.consent('granted');
    pending.track('Fresh');
    await pending.flush();
    expect(col.events()).toEqual(['Session Started', 'Fresh']);
  });
});
