import type { Settings } from '../config';
import type { EngagekitError } from '../types';
import type { EventQueue } from '../queue/eventQueue';
import type { Rec } from '../queue/eventStore';
import { load, save } from '../lib/storage';
import { utf8Length } from '../lib/utf8Length';
import { isRetryable, retryDelay } from './retryPolicy';
import { encode, keepaliveRoom, post } from './post';
import { withSendLock } from './sendLock';
import type { TabChannel } from './tabChannel';

/** Sends the queue: in batches while the page lives, in keepalive chunks when it is left. */
export interface Dispatcher {
  /** A record was queued: send now if a batch is full, else within `flushInterval`. */
  _queued(): void;
  /** Send until the queue is empty (true) or a send failed (false). `force` skips a pending backoff. */
  _flush(force?: boolean): Promise<boolean>;
  /** The page is hidden (`gone`: left) — hand this tab's unsent events to the browser now. */
  _leave(gone?: boolean): void;
  /** The page came back from the back/forward cache. */
  _back(): void;
  /** Send what earlier pages left behind. */
  _start(): void;
  /** Stop timers, set no new ones (until `_back`) and give up waiting for the send lock. */
  _pause(): void;
}

/** Room in a body for everything but the messages. */
const OVERHEAD = 200;

/**
 * How long events handed to the browser by a page being left stay claimed, when the collector was
 * answering: the browser almost always delivers them, so the next page of the site should not send
 * them again at once. Should one have failed after all, it goes this much later: late, not lost.
 */
export const HANDOFF_TTL = 600_000;

const ok = (status: number) => status > 199 && status < 300;

/**
 * The delivery state machine. One drain at a time per tab and, through the send lock, per site.
 * A batch's records are claimed in the store, posted, then deleted on a 2xx, so an acknowledged
 * batch is never sent again. Network errors, 408, 429 and 5xx release the batch and retry with
 * backoff (Retry-After honoured); a 413 halves the batch down to one event, which is then dropped
 * and reported; any other 4xx drops the batch and reports it, and the drain moves on to the next,
 * so one bad batch never blocks the events behind it.
 */
export function dispatcher(
  s: Settings,
  q: EventQueue,
  ch: TabChannel,
  report: (e: EngagekitError) => void,
): Dispatcher {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // When the timer fires: a new event must not wait behind a far-off wake-up (claims held 10 min).
  let due = 0;
  let retryAt = 0;
  let attempt = 0;
  let running: Promise<boolean> | undefined;
  let again: Promise<boolean> | undefined;
  let plain = false;
  let leaving = new AbortController();
  // A batch taken from the queue and still being encoded: not on the wire yet, so the page-hide path sends it.
  let encoding: Rec[] | undefined;
  // Once the page is being left, Chromium rejects the promise of every keepalive request in flight
  // ("Failed to fetch") right after pagehide, although the browser goes on to deliver the request.
  // A network error then says nothing: those events are kept aside, neither sent again by this
  // page nor released (the next page load sends what really was not delivered).
  let gone = false;
  const unknown: Rec[] = [];
  const failed = (recs: Rec[], st: number) => (gone && !st ? void unknown.push(...recs) : q._retry(recs));

  const body = (recs: Rec[]) =>
    '{"batch":[' +
    recs.map((r) => r.j).join() +
    '],"sentAt":"' +
    new Date().toISOString() +
    '","writeKey":' +
    JSON.stringify(s.writeKey) +
    // Events the queue had to drop are counted in the next batch (Segment merges a batch-level context into each message).
    (q._dropped ? ',"context":{"droppedEvents":' + q._dropped + '}' : '') +
    '}';

  // Paused (stopped, or the page was left), a drain still running sets no new timer: a stopped tracker stays stopped.
  const later = (ms: number) => {
    clearTimeout(timer);
    if (!leaving.signal.aborted) ((timer = setTimeout(() => d._flush(true), ms)), (due = Date.now() + ms));
  };

  async function send(recs: Rec[]): Promise<boolean> {
    const text = body(recs);
    const dropped = q._dropped;
    const gz = s.compress && !plain;
    encoding = recs;
    const req = await encode(text, utf8Length(text), gz);
    // The page was hidden meanwhile and the hide path took this batch: its answer settles them.
    if (encoding != recs) return true;
    encoding = undefined;
    const [st, retryAfter] = await post(s.endpoint, req);
    if (s.debug) console.info('[engagekit] sent', recs.length, 'events:', st || 'network error');
    if (ok(st)) {
      attempt = 0;
      q._dropped -= dropped;
      // When the site's collector last answered, for every page of the site (see _leave).
      save('ok', '' + Date.now());
    } else if (st == 413 && recs[1]) {
      const rest = recs.slice(recs.length >> 1);
      if (await send(recs.slice(0, recs.length >> 1))) return send(rest);
      q._retry(rest);
      return false;
    } else if (isRetryable(st)) {
      save('ok', undefined);
      failed(recs, st);
      if (gone) return false;
      // A collector (or proxy) that refuses our gzip header fails like a network error: next try goes plain.
      plain = gz && !st;
      const wait = retryDelay(attempt++, retryAfter);
      retryAt = Date.now() + wait;
      later(wait);
      return false;
    } else
      report({
        type: 'rejected',
        status: st,
        count: recs.length,
        message: `collector answered ${st}: ${recs.length} events dropped`,
      });
    await q._done(recs);
    return true;
  }

  // `all`: until the queue is empty (flush(), the interval, a retry). Otherwise (a batch filled up,
  // the page was shown) one batch and then only full ones: events still trickling in while a
  // batch is sent wait for the interval instead of going one or two per request.
  async function drain(all?: boolean): Promise<boolean> {
    for (let min = 1; ; min = all ? 1 : s.batchSize) {
      // A page being left starts no new batch: the browser would cut it off (the next page load sends it).
      if (navigator.onLine === false || gone) return false;
      const recs = await q._take(s.batchSize, s.maxBatchBytes - OVERHEAD, min);
      if (!recs[0]) {
        // Events another sender claimed (a tab that died mid-send) come back when its claim runs out.
        if (q._wake) later(q._wake - Date.now() + 100);
        // Fewer than a batch may be left, this tab's or not: they go after the interval (or sooner, if a wake-up is).
        if (min > 1 && (!timer || due > Date.now() + s.flushInterval)) later(s.flushInterval);
        return true;
      }
      ch._claim(recs);
      if (!(await send(recs))) return false;
    }
  }

  const d: Dispatcher = {
    _queued() {
      if (q._size() >= s.batchSize && Date.now() >= retryAt) d._flush();
      else {
        const ms = Math.max(s.flushInterval, retryAt - Date.now());
        if (!timer || due > Date.now() + ms) later(ms);
      }
    },
    _flush(force) {
      if (!force && Date.now() < retryAt) return Promise.resolve(false);
      clearTimeout(timer);
      timer = undefined;
      retryAt = 0;
      // Asked while a drain runs, which may have looked before the latest events were stored: once more after it.
      if (running) return (again ||= running.then(() => ((again = undefined), d._flush(force))));
      return (running = withSendLock('engagekit:' + s.dbName, leaving.signal, () => drain(force), false)
        .catch(() => false)
        .finally(() => {
          running = undefined;
          if (q._size() && !timer) later(s.flushInterval);
        }));
    },
    _start() {
      d._flush();
      // A page of the site that was just left may still be committing its last writes: look again.
      later(s.flushInterval);
    },
    _leave(leaving) {
      gone ||= !!leaving;
      const recs = [...(encoding || []), ...q._unsent()];
      encoding = undefined;
      for (let i = 0, j = 0; i < recs.length; i = j) {
        // Fill a chunk up to what is left of the page's keepalive budget (at least one event).
        for (let bytes = OVERHEAD; j < recs.length && (j == i || bytes + recs[j].n < keepaliveRoom());)
          bytes += recs[j++].n + 1;
        const chunk = recs.slice(i, j);
        const text = body(chunk);
        const n = utf8Length(text);
        // Uncompressed, so the request starts now, before the page goes.
        if (n <= keepaliveRoom())
          post(s.endpoint, [text, n]).then(([st]) => (ok(st) ? q._done(chunk) : failed(chunk, st)));
        // A beacon is never acknowledged: its events stay held here (this page will not send them
        // again) and stored (the next page load sends them again, with the same messageIds).
        else if (!navigator.sendBeacon?.(s.endpoint, new Blob([text], { type: 'text/plain' }))) break;
        // What did not fit stays stored and goes on the next page load.
        q._hold(chunk);
        ch._claim(chunk);
        if (s.debug) console.info('[engagekit] left the page: handed', chunk.length, 'events to the browser');
      }
      // Only a collector seen answering lately gets that benefit of the doubt; after a failure, or
      // with no news of it, the next page sends at once (a duplicate is better than a delay).
      if (leaving) q._leaving(!attempt && Date.now() - Number(load('ok')) < HANDOFF_TTL ? Date.now() + HANDOFF_TTL : 0);
    },
    _back() {
      gone = false;
      leaving = new AbortController();
      q._stay();
      // Whatever was in flight when the page was frozen may or may not have arrived: at least once.
      q._retry(unknown.splice(0));
      d._flush(true);
    },
    _pause() {
      clearTimeout(timer);
      timer = undefined;
      leaving.abort();
    },
  };
  return d;
}
