import { parseConfig } from './config';
import { asObject, buildMessage, serialise } from './event';
import { anonymousId, resetIdentity, setUserId, userId } from './identity';
import { campaignOf, pageContext } from './lib/pageContext';
import { load, save, setEphemeral } from './lib/storage';
import { uuid } from './lib/uuid';
import { warn } from './lib/warn';
import { eventQueue } from './queue/eventQueue';
import { touchSession } from './session';
import { dispatcher } from './transport/dispatcher';
import { tabChannel } from './transport/tabChannel';
import type { Config, Consent, Context, EngagekitError, Message, Tracker } from './types';
import { VERSION } from './version';

/**
 * Make a tracker. Nothing is captured automatically here: `page()`, `track()` and `identify()`
 * queue messages, and the tracker delivers them to `config.endpoint`. It listens for the page
 * being hidden or left (`visibilitychange`, `pagehide`; never `unload`, which keeps pages out of
 * the back/forward cache), for `pageshow` after a back/forward restore and for `online`.
 * Without a usable endpoint it warns once and does nothing. No method ever throws into the page.
 */
export function createTracker(config?: Config): Tracker {
  const s = parseConfig(config);
  const report = (e: EngagekitError) => {
    try {
      s.onError?.(e);
    } catch {
      // the page's own handler failed: not ours to rethrow
    }
  };
  const on = !!s.endpoint;
  const tab = uuid();
  const q = eventQueue(s, tab, report);
  const ch = tabChannel('engagekit:' + s.dbName, q._skip);
  const d = dispatcher(s, q, ch, report);
  const listeners: [EventTarget, string, (e: Event) => void][] = [];
  let seq = 0;
  // Global Privacy Control (and Do Not Track, when the site honours it) means no persistent identifiers.
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  const private_ = nav.globalPrivacyControl === true || (s.respectDnt && nav.doNotTrack == '1');
  let consent: Consent = s.consent;
  // Events captured while consent is pending: in memory only, sent if it is granted.
  let waiting: (() => void)[] = [];
  setEphemeral(private_ || consent != 'granted');

  // Build, let the site edit, serialise and queue one message.
  const emit = (fields: Pick<Message, 'type'> & Partial<Message>, context: Context, now: number) => {
    let m = buildMessage(fields, now, uuid(), anonymousId(), userId(), context);
    try {
      m = s.beforeSend ? (s.beforeSend(m) as Message) : m;
    } catch (e) {
      warn('beforeSend threw (' + e + '): event kept as it was');
    }
    // beforeSend returned null, false or nothing: the site dropped the event.
    const json = m && typeof m == 'object' && serialise(m, !s.beforeSend);
    if (!json) return;
    if (s.debug) console.info('[engagekit]', m.type, m.event || m.name || '', m);
    q._add({ id: String(m.messageId), j: json[0], n: json[1], t: now, q: seq++, o: tab });
    d._queued();
  };

  const capture = (fields: Pick<Message, 'type'> & Partial<Message>) => {
    if (!on || load('optout') || consent == 'denied') return;
    const now = Date.now();
    const page = pageContext(s.keepParams);
    const campaign = campaignOf(page.search);
    const [session, started] = touchSession(
      now,
      fields.type == 'page',
      s.sessionTimeout,
      campaign ? JSON.stringify(campaign) : '',
    );
    const context: Context = {
      page,
      library: { name: 'engagekit', version: VERSION },
      locale: navigator.language,
      session,
    };
    if (campaign) context.campaign = campaign;
    // The first event of a session is preceded by one that says where the visit came from.
    const send = () => {
      if (started)
        emit(
          {
            type: 'track',
            event: 'Session Started',
            properties: { landing_page: page.url, landing_path: page.path, referrer: page.referrer, ...campaign },
          },
          context,
          now,
        );
      emit(fields, context, now);
    };
    if (consent == 'pending') waiting.push(send);
    else send();
  };

  const t: Tracker = {
    track(event, properties) {
      if (typeof event != 'string' || !event) return warn('track() dropped: the event name must be a non-empty string');
      capture({ type: 'track', event, properties: asObject(properties, 'properties') });
    },
    page(properties) {
      const p: Record<string, unknown> = { ...pageContext(s.keepParams), ...asObject(properties, 'properties') };
      capture({ type: 'page', name: String(p.name ?? p.title), properties: p });
    },
    identify(id, traits) {
      if ((typeof id != 'string' && typeof id != 'number') || id === '')
        return warn('identify() dropped: the user id must be a non-empty string');
      setUserId(String(id));
      capture({ type: 'identify', traits: asObject(traits, 'traits') });
    },
    flush: () => (on ? d._flush(true) : Promise.resolve(true)),
    reset() {
      resetIdentity();
      touchSession(Date.now(), false, s.sessionTimeout, '', true);
    },
    optOut() {
      save('optout', '1');
      q._clear();
    },
    optIn() {
      save('optout', undefined);
    },
    consent(state) {
      if (state != 'pending' && state != 'granted' && state != 'denied')
        return warn('consent() takes pending, granted or denied');
      consent = state;
      setEphemeral(private_ || state != 'granted');
      if (state != 'pending') {
        const go = waiting;
        waiting = [];
        if (state == 'granted') go.forEach((f) => f());
      }
    },
    stop() {
      for (const [target, type, f] of listeners) target.removeEventListener(type, f);
      d._pause();
      ch._close();
    },
  };

  // The public methods and our listeners never throw into the page, whatever they are given.
  const safe =
    <A extends unknown[]>(f: (...a: A) => unknown) =>
    (...a: A) => {
      try {
        return f(...a);
      } catch (e) {
        warn('internal error: ' + e);
      }
    };
  for (const k in t)
    (t as unknown as Record<string, unknown>)[k] = safe(
      (t as unknown as Record<string, (...a: unknown[]) => unknown>)[k],
    );
  const flush = t.flush;
  t.flush = () => (flush() as Promise<boolean> | undefined) || Promise.resolve(false);

  if (on) {
    listeners.push(
      [document, 'visibilitychange', () => (document.visibilityState == 'hidden' ? d._leave() : d._flush())],
      [
        window,
        'pagehide',
        () => {
          d._leave(true);
          // Hold no lock, no lock request and no open channel: each can keep the page out of the back/forward cache.
          d._pause();
          ch._close();
        },
      ],
      [
        window,
        'pageshow',
        (e) => {
          if ((e as PageTransitionEvent).persisted) (ch._open(), d._back());
        },
      ],
      [window, 'online', () => d._flush(true)],
    );
    for (const l of listeners) l[0].addEventListener(l[1], (l[2] = safe(l[2])));
    // Whatever earlier pages could not deliver goes now.
    d._start();
  } else ch._close();
  return t;
}
