import type { Settings } from '../config';
import type { EngagekitError } from '../types';
import type { EventQueue } from '../queue/eventQueue';
import type { Rec } from '../queue/record';
import { quote } from '../lib/json';
import { load, save } from '../lib/storage';
import { utf8Length } from '../lib/utf8Length';
import { isRetryable, retryDelay } from './retryPolicy';
import { encode, KEEPALIVE_BUDGET, keepaliveRoom, post } from './post';
import { withSendLock } from './sendLock';
import type { TabChannel } from './tabChannel';

/** Sends the queue: in batches while the page lives, in keepalive chunks when it is left. */
export interface Dispatcher {
  /** A record was queued: send now if a batch is full, else within `flushInterval`. */
  _queued(): void;
  /** Send until the queue is empty (true) or a send failed (false). `force` skips a pending backoff. */
  _flush(force?: boolean): Promise<boolean>;
  /** The page is hidden (`left`: it is being left) — hand this tab's unsent events to the browser now. */
  _leave(left?: boolean): void;
  /** The page came back from the back/forward cache. */
  _back(): void;
  /** Send what earlier pages left behind. */
  _start(): void;
  /** Stop timers, set no new ones (until `_back`) and give up waiting for the send lock. */
  _pause(): void;
  /** The visitor opted out or denied consent: whatever was taken before is deleted, whatever its answer, never sent again. */
  _drop(): void;
  /** The page's CSP blocks the collector (see cspBlock.ts): send nothing more from this page. */
  _block(): void;
}

/** Room in a body for everything but the messages. */
const OVERHEAD = 200;

/**
 * How long events handed to the browser by a page being left stay claimed (issue 13), so that the
 * next page of the site does not send them again at once: the browser goes on with a keepalive
 * request or a beacon after its page has gone, and almost always delivers it, but the page never
 * learns that it did (Chromium rejects the promise of every keepalive request in flight once the
 * page is left). The rule:
 *
 * - A page being left claims everything it handed to the browser (and every batch it had in flight)
 *   for HANDOFF_TTL, unless the latest answer any page of the site had from the collector was a
 *   failure (`down`): then the next page sends them at once (a duplicate, stored once, is better
 *   than a delay). A first visit has no news of the collector, and claims.
 * - The page being left copies those records, claims included, to localStorage (its spill); the next
 *   page of the site restores them and remembers which are claimed so (EventQueue `_heard`).
 * - The first answer that page has from the collector settles them. A 2xx (or any answer but a
 *   failure): the collector answers after the hand-off, so it most likely took it; the claims stand
 *   and run out by themselves. A failure (network error, 408, 429, 5xx): the hand-off may have failed
 *   too; every such claim is released and the page's retries send those events with its own, within
 *   seconds of the collector's return. A page left before its first answer passes them on, unchanged,
 *   in its own spill.
 *
 * Worst case: a hand-off the browser failed to deliver while the next page's first request succeeded
 * (the collector came back in between, or the browser dropped it: quit, crash), or whose next page
 * sends nothing (no request, so no answer; engagekit sends no probe), goes when its claim runs out:
 * HANDOFF_TTL (10 minutes) after the hand-off if a page of the site is open then (a drain that finds
 * only claimed records wakes up when the first claim runs out), else on the next visit, within
 * `maxAge` as any queued event. Late, not lost. Without IndexedDB the memory store keeps the spill's
 * claims and settles them the same way; without localStorage (no spill) the claims just run out.
 */
export const HANDOFF_TTL = 600_000;

/**
 * A network error the page is still here this long after is the collector's (see `heard`) if its
 * request failed within this long of being sent: a collector that is down refuses a request at once
 * (one round trip), and a visitor rarely leaves that soon after it. When Chromium rejects a keepalive
 * request as a navigation goes, its `pagehide` usually follows within tens of milliseconds (20–30 ms
 * measured under load), most likely later once on a loaded CI machine (the next page sent 24 events
 * again: leaveBeforeAnswer.test.ts); a request the collector has been holding for longer than this
 * is no longer taken for a refusal, however late `pagehide` comes.
 */
export const NETWORK_ERROR_SETTLE = 200;

/** A 2xx: the collector has the batch. */
const ok = (status: number) => status > 199 && status < 300;

/**
 * The delivery state machine. One drain at a time per tab and, through the send lock, per site.
 * A batch's records are claimed in the store, posted, then deleted on a 2xx, so an acknowledged
 * batch is never sent again. Network errors, 408, 429 and 5xx release the batch and retry with
 * backoff (Retry-After honoured); a 413 halves the batch down to one event, which is then dropped
 * and reported; any other 4xx drops the batch and reports it, and the drain moves on to the next,
 * so one bad batch never blocks the events behind it.
 *
 * `blocked` says the visitor opted out or denied consent (in this tab or another): nothing is
 * sent then, nor handed to the browser or spilled as the page is left, and a batch in flight when
 * it happened is deleted whatever the answer (see `_drop`).
 */
export function dispatcher(
  settings: Settings,
  queue: EventQueue,
  channel: TabChannel,
  report: (error: EngagekitError) => void,
  blocked: () => boolean,
): Dispatcher {
  // The next scheduled flush, if any.
  let timer: ReturnType<typeof setTimeout> | undefined;
  // When the timer fires: a new event must not wait behind a far-off wake-up (claims held 10 min).
  let timerDue = 0;
  // No flush before this time (a backoff), unless forced.
  let retryAt = 0;
  // Failed sends since the last success: the backoff grows with it.
  let failures = 0;
  // The drain in progress, if any.
  let running: Promise<boolean> | undefined;
  // A flush asked for while a drain runs: it starts when that drain ends.
  let nextFlush: Promise<boolean> | undefined;
  // The collector (or a proxy) seems to refuse gzip: the next batch goes uncompressed.
  let skipGzip = false;
  // Aborted by `_pause` (stopped, or the page was left): no new timer, and no more waiting for the send lock.
  let stopSending = new AbortController();
  // A batch taken from the queue and still being encoded: not on the wire yet, so the page-hide path sends it.
  let beingEncoded: Rec[] | undefined;
  // A network error says nothing of whether a request arrived when the page may be going away:
  // once a cross-site navigation has begun, Chromium rejects the promise of a keepalive request in
  // flight ("Failed to fetch") although the browser goes on to deliver it, sometimes before the old
  // page's pagehide has fired (seen under CPU load: the 20 events of delivery scenario 1 arrived,
  // answered 200, and were handed over again at pagehide). So the events of a request that ended in
  // a network error are kept aside in `outcomeUnknown`, held (not sent again by the page-hide path),
  // until the next drain: it releases them for their retry, the page still being here. If the page
  // is left first, they stay stored and the next page load sends what really was not delivered.
  const outcomeUnknown: Rec[] = [];
  // The page is being left (pagehide): no new batch (the next page load sends what is left).
  let pageLeft = false;
  // The page's CSP blocks the collector: no request from this page (each would log an error); its
  // events stay queued, for a page of the site the CSP lets through.
  let cspBlocked = false;
  // Counts opt-outs and denials (`_drop`): a batch taken under an earlier count was captured before
  // one, so whatever its answer it is deleted, never retried, spilled or sent by a later page
  // (even after an optIn() that came meanwhile).
  let generation = 0;
  const dropped = (taken: number) => taken != generation || blocked();
  // A send failed: unclaim the records for a retry, or (a network error, see above) keep them
  // aside; a page still here drains again within the interval, which releases them (a drain's own
  // failure then sets its backoff instead).
  const failed = (records: Rec[], status: number) => {
    // Stopped on a page that stays (`_pause`): no drain will come, so released at once.
    if (status || (stopSending.signal.aborted && !pageLeft)) return queue._retry(records);
    outcomeUnknown.push(...records);
    if (!pageLeft) flushWithin(settings.flushInterval);
  };
  // An answer from the collector: the site's latest news of it, and the first this page hears
  // settles earlier hand-offs (HANDOFF_TTL). A network error is news only once the page is seen to
  // stay (see outcomeUnknown: it may be the navigation's doing): at the next drain, or as the page
  // is left if NETWORK_ERROR_SETTLE has passed since.
  let networkError = false;
  // When the first network error not yet confirmed came; never (Infinity) when its request, sent at
  // `sentAt`, had been in flight NETWORK_ERROR_SETTLE or longer (see there).
  let networkErrorAt = 0;
  const heard = (status: number, sentAt = 0) => {
    if (!status) {
      if (!networkError) networkErrorAt = Date.now() - sentAt < NETWORK_ERROR_SETTLE ? Date.now() : 1 / 0;
      networkError ||= !pageLeft;
    } else {
      const down = isRetryable(status);
      save('down', down ? '1' : undefined);
      queue._heard(down);
    }
  };

  const requestBody = (records: Rec[]) =>
    '{"batch":[' +
    records.map((record) => record.j).join() +
    '],"sentAt":"' +
    new Date().toISOString() +
    '","writeKey":' +
    // Not the page's JSON.stringify, which it may have replaced (see lib/json.ts).
    quote(settings.writeKey) +
    // Events the queue had to drop are counted in the next batch (Segment merges a batch-level
    // context into each message).
    (queue._dropped ? ',"context":{"droppedEvents":' + queue._dropped + '}' : '') +
    '}';

  // Paused (stopped, or the page was left), a drain still running sets no new timer: a stopped tracker stays stopped.
  const flushLater = (delay: number) => {
    clearTimeout(timer);
    if (!stopSending.signal.aborted) {
      timer = setTimeout(() => dispatcher._flush(true), delay);
      timerDue = Date.now() + delay;
    }
  };
  // A flush within `delay`: unless one is due sooner already.
  const flushWithin = (delay: number) => (!timer || timerDue > Date.now() + delay) && flushLater(delay);

  async function send(records: Rec[], taken = generation): Promise<boolean> {
    const json = requestBody(records);
    // What this body reports as dropped: subtracted from the count once it is delivered.
    const droppedReported = queue._dropped;
    const gzip = settings.compress && !skipGzip;
    beingEncoded = records;
    const request = await encode(json, utf8Length(json), gzip);
    // The page was hidden meanwhile and the hide path took this batch: its answer settles them.
    if (beingEncoded != records) return true;
    beingEncoded = undefined;
    // Opted out (or denied) before it went, or while it was on the way: deleted, whatever the answer.
    const sentAt = Date.now();
    const [status, retryAfter] = dropped(taken) ? [0] : await post(settings.endpoint, request);
    if (dropped(taken)) {
      await queue._done(records);
      return true;
    }
    if (settings.debug) console.info('[engagekit] sent', records.length, 'events:', status || 'network error');
    heard(status, sentAt);
    if (ok(status)) {
      failures = 0;
      queue._dropped -= droppedReported;
    } else if (status == 413 && records[1]) {
      // Too large: send each half (halving again while refused); should the first half fail, the
      // second is released for the retry.
      const secondHalf = records.slice(records.length >> 1);
      if (await send(records.slice(0, records.length >> 1), taken)) return send(secondHalf, taken);
      queue._retry(secondHalf);
      return false;
    } else if (isRetryable(status)) {
      failed(records, status);
      if (pageLeft) return false;
      // A collector (or proxy) that refuses our gzip header fails like a network error: next try goes plain.
      skipGzip = gzip && !status;
      const delay = retryDelay(failures++, retryAfter);
      retryAt = Date.now() + delay;
      flushLater(delay);
      return false;
    } else {
      report({
        type: 'rejected',
        status,
        count: records.length,
        message: `collector answered ${status}: ${records.length} events dropped`,
      });
    }
    await queue._done(records);
    return true;
  }

  // `untilEmpty`: until the queue is empty (flush(), the interval, a retry). Otherwise (a batch filled
  // up, the page was shown) one batch and then only full ones: events still trickling in while a
  // batch is sent wait for the interval instead of going one or two per request.
  async function drain(untilEmpty?: boolean): Promise<boolean> {
    for (let min = 1; ; min = untilEmpty ? 1 : settings.batchSize) {
      // Opted out or denied: nothing to send (the queue was cleared).
      if (blocked()) return true;
      // A page being left starts no new batch: the browser would cut it off (the next page load sends it).
      if (navigator.onLine === false || pageLeft || cspBlocked) return false;
      // The page is still here: a network error it had was the collector's (see `heard`), and what
      // it left aside is retried (see `outcomeUnknown`).
      if (networkError) {
        networkError = false;
        save('down', '1');
        queue._heard(true);
      }
      if (outcomeUnknown[0]) await queue._retry(outcomeUnknown.splice(0));
      const records = await queue._take(settings.batchSize, settings.maxBatchBytes - OVERHEAD, min);
      if (!records[0]) {
        // Events another sender claimed (a tab that died mid-send) come back when its claim runs out.
        // Not instead of a sooner flush set meanwhile (`_queued`) for an event this take did not see:
        // that event would wait for the claim (10 minutes for a hand-off).
        if (queue._wake) flushWithin(queue._wake - Date.now() + 100);
        // Fewer than a batch may be left, this tab's or not: they go after the interval (or sooner, if a wake-up is).
        if (min > 1) flushWithin(settings.flushInterval);
        return true;
      }
      channel._claim(records);
      if (!(await send(records))) return false;
    }
  }

  const dispatcher: Dispatcher = {
    _queued() {
      if (queue._size() >= settings.batchSize && Date.now() >= retryAt) dispatcher._flush();
      else {
        const delay = Math.max(settings.flushInterval, retryAt - Date.now());
        if (!timer || timerDue > Date.now() + delay) flushLater(delay);
      }
    },
    _flush(force) {
      if (!force && Date.now() < retryAt) return Promise.resolve(false);
      clearTimeout(timer);
      timer = undefined;
      retryAt = 0;
      // Asked while a drain runs, which may have looked before the latest events were stored: once more after it.
      if (running) {
        return (nextFlush ||= running.then(() => {
          nextFlush = undefined;
          return dispatcher._flush(force);
        }));
      }
      return (running = withSendLock('engagekit:' + settings.dbName, stopSending.signal, () => drain(force), false)
        .catch(() => false)
        .finally(() => {
          running = undefined;
          if (queue._size() && !timer) flushLater(settings.flushInterval);
        }));
    },
    _start() {
      dispatcher._flush();
      // A page of the site that was just left may still be committing its last writes: look again.
      flushLater(settings.flushInterval);
    },
    _leave(left) {
      // Called again after pagehide (the visibilitychange that follows it): Chromium has rejected the
      // promises of the keepalive requests it still carries, so keepaliveRoom() counts their bytes as
      // free. Beacons only then: the browser refuses one at once when its quota is full.
      const late = pageLeft && !left;
      // A network error that came at once and that this page outlived by NETWORK_ERROR_SETTLE was the
      // collector's: the site's latest news is a failure, so what is handed over now is not claimed
      // (see HANDOFF_TTL).
      if (networkError && Date.now() - networkErrorAt >= NETWORK_ERROR_SETTLE) {
        networkError = false;
        save('down', '1');
      }
      pageLeft ||= !!left;
      // Opted out or denied (maybe in another tab): nothing handed to the browser, nothing spilled.
      if (blocked()) return;
      const taken = generation;
      // Blocked by the CSP: nothing is handed to the browser (it would refuse and log each request).
      const records = cspBlocked ? [] : [...(beingEncoded || []), ...queue._unsent()];
      if (!cspBlocked) beingEncoded = undefined;
      for (let i = 0, j = 0; i < records.length; i = j) {
        // Fill a chunk up to what is left of the page's keepalive budget (at least one event); once
        // that cannot take the next event, up to the whole budget, for a beacon. Firefox does not
        // count beacons against the keepalive quota (Chromium and WebKit do, and refuse one over it:
        // the loop stops), so budget-sized beacons keep 200 events of 1 kB to a handful of
        // requests there, where one-event beacons made 165 (issue 12).
        const room = keepaliveRoom() < OVERHEAD + records[i].n ? KEEPALIVE_BUDGET : keepaliveRoom();
        for (let size = OVERHEAD; j < records.length && (j == i || size + records[j].n < room);)
          size += records[j++].n + 1;
        const chunk = records.slice(i, j);
        const json = requestBody(chunk);
        const bytes = utf8Length(json);
        // Within what is left of our keepalive budget: fetch, uncompressed so the request starts now,
        // before the page goes. Over it: a beacon, also a keepalive request (https://w3c.github.io/beacon/),
        // which goes if the browser's own quota still has room. A beacon is never acknowledged: its
        // events stay held here (this page will not send them again) and stored (the next page load
        // sends them again, with the same messageIds).
        if (!late && bytes <= keepaliveRoom()) {
          post(settings.endpoint, [json, bytes]).then(([status]) => {
            heard(status);
            return ok(status) || dropped(taken) ? queue._done(chunk) : failed(chunk, status);
          });
        } else if (!navigator.sendBeacon?.(settings.endpoint, new Blob([json], { type: 'text/plain' }))) {
          // Refused: what did not fit stays stored and goes on the next page load.
          break;
        }
        queue._hold(chunk);
        channel._claim(chunk);
        if (settings.debug) console.info('[engagekit] left the page: handed', chunk.length, 'events to the browser');
      }
      // Claimed for the next page to settle, unless the collector's latest answer was a failure (see
      // HANDOFF_TTL). Again on the `visibilitychange` that follows pagehide as a page is left
      // (https://html.spec.whatwg.org/multipage/document-lifecycle.html#unloading-documents), for the
      // events captures report then.
      if (pageLeft) queue._leaving(load('down') ? 0 : Date.now() + HANDOFF_TTL);
    },
    _back() {
      pageLeft = false;
      stopSending = new AbortController();
      queue._stay();
      // Whatever was in flight when the page was frozen may or may not have arrived: at least once
      // (unless the visitor opted out meanwhile).
      if (blocked()) queue._done(outcomeUnknown.splice(0));
      else queue._retry(outcomeUnknown.splice(0));
      dispatcher._flush(true);
    },
    _pause() {
      clearTimeout(timer);
      timer = undefined;
      stopSending.abort();
      // Stopped (or blocked by the CSP) on a page that stays: no drain will release what a network
      // error left aside, so it is released now, for another tab or page of the site to send.
      if (!pageLeft) queue._retry(outcomeUnknown.splice(0));
    },
    _drop() {
      generation++;
      beingEncoded = undefined;
      outcomeUnknown.length = 0;
    },
    _block() {
      cspBlocked = true;
      dispatcher._pause();
    },
  };
  return dispatcher;
}
