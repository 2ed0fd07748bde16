import { parseConfig } from './config';
import { asObject, buildMessage, serialiser } from './event';
import { anonymousId, resetIdentity, setUserId, userId } from './identity';
import { guard } from './lib/guard';
import { inBrowser } from './lib/inBrowser';
import { listen } from './lib/listen';
import { campaignOf, pageContext } from './lib/pageContext';
import { forget, IDENTIFIERS, keepInMemory, load, save, VISITOR } from './lib/storage';
import { uuid } from './lib/uuid';
import { warn } from './lib/warn';
import { noopTracker } from './noopTracker';
import { eventQueue } from './queue/eventQueue';
import { touchSession } from './session';
import { blocksEndpoint } from './transport/cspBlock';
import { dispatcher as createDispatcher } from './transport/dispatcher';
import { tabChannel } from './transport/tabChannel';
import type { Config, Consent, Context, EngagekitError, Message, Tracker } from './types';
import { VERSION } from './version';

/**
 * Make a tracker. Nothing is captured automatically here: `page()`, `track()` and `identify()`
 * queue messages, and the tracker delivers them to `config.endpoint`. It listens for the page
 * being hidden or left (`visibilitychange`, `pagehide`; never `unload`, which keeps pages out of
 * the back/forward cache: https://web.dev/articles/bfcache), for `pageshow` after a back/forward
 * restore and for `online`. Without a usable endpoint it warns once and does nothing. No method
 * ever throws into the page. Outside a browser (server-side rendering) it is a tracker that does
 * nothing, silently, and opens nothing.
 */
export function createTracker(config?: Config): Tracker {
  if (!inBrowser()) return noopTracker();
  // A config whose getters throw (or a Proxy) is refused whole, with a warning: as if none was given.
  const settings = guard(parseConfig, 'config unreadable')(config) || parseConfig({});
  const report = (error: EngagekitError) => {
    try {
      settings.onError?.(error);
    } catch {
      // the page's own handler failed: not ours to rethrow
    }
  };
  const enabled = !!settings.endpoint;
  const tab = uuid();
  let consent: Consent = settings.consent;
  // Events captured while consent is pending: in memory only, sent if it is granted.
  let waiting: (() => void)[] = [];
  const queue = eventQueue(settings, tab, report);
  const channel = tabChannel('engagekit:' + settings.dbName, queue._skip, (kind) => {
    // Another tab of the site: the visitor opted out (the flag is in localStorage already) or denied consent there.
    if (kind == 'denied') consent = kind;
    discard();
  });
  // Opted out (on any page of the site) or consent denied: nothing is captured, stored or sent.
  const blocked = () => !!load('optout') || consent == 'denied';
  const dispatcher = createDispatcher(settings, queue, channel, report, blocked);
  // Removes each of our page listeners (see listen).
  const removers: (() => void)[] = [];
  let sequence = 0;
  // Global Privacy Control (https://w3c.github.io/gpc/) and Do Not Track
  // (https://www.w3.org/TR/tracking-dnt/, when the site honours it) mean no persistent identifiers.
  const gpcNavigator = navigator as Navigator & { globalPrivacyControl?: boolean };
  const privacySignal =
    gpcNavigator.globalPrivacyControl === true || (settings.respectDnt && gpcNavigator.doNotTrack == '1');
  // Opted out or denied: the visitor's keys in memory only. A privacy signal: the identifiers in
  // memory only. Pending: the visitor's keys read from localStorage (stored after an earlier grant,
  // so the visit goes on) but written to memory until the grant stores them.
  const placeKeys = () =>
    keepInMemory(blocked() ? VISITOR : privacySignal ? IDENTIFIERS : [], consent == 'pending' ? VISITOR : []);
  // Opt-out or denial, here or in another tab, is final for everything captured before it: what
  // waits for consent, what is queued, spilled or in flight, and the visitor's keys in storage.
  const discard = () => {
    waiting = [];
    forget();
    queue._clear();
    dispatcher._drop();
    placeKeys();
  };
  placeKeys();

  // Build, let the site edit, serialise and queue one message.
  const emit = (fields: Pick<Message, 'type'> & Partial<Message>, context: Context, now: number) => {
    let message = buildMessage(fields, now, uuid(), anonymousId(), userId(), context);
    try {
      message = settings.beforeSend ? (settings.beforeSend(message) as Message) : message;
    } catch (error) {
      warn('beforeSend threw (' + error + '): event kept as it was');
    }
    // beforeSend returned null, false or nothing: the site dropped the event.
    if (!message || typeof message != 'object') return;
    // Serialised by the queue as it writes, in chunks that yield: 1,000 calls in one task spent
    // most of their time in JSON.stringify (issue 13).
    const json = serialiser(message, !settings.beforeSend);
    if (settings.debug) console.info('[engagekit]', message.type, message.event || message.name || '', message);
    queue._add({ id: String(message.messageId), t: now, q: sequence++, o: tab }, json);
    dispatcher._queued();
  };

  const capture = (fields: Pick<Message, 'type'> & Partial<Message>) => {
    if (!enabled || blocked()) return;
    // Opted in again on another page since this one last looked: the keys are stored again.
    placeKeys();
    const now = Date.now();
    const page = pageContext(settings.keepParams);
    const campaign = campaignOf(page.search);
    const [session, started] = touchSession(
      now,
      fields.type == 'page',
      settings.sessionTimeout,
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

  const tracker: Tracker = {
    track(event, properties) {
      if (typeof event != 'string' || !event) return warn('track() dropped: the event name must be a non-empty string');
      capture({ type: 'track', event, properties: asObject(properties, 'properties') });
    },
    page(properties) {
      const pageProperties: Record<string, unknown> = {
        ...pageContext(settings.keepParams),
        ...asObject(properties, 'properties'),
      };
      capture({ type: 'page', name: String(pageProperties.name ?? pageProperties.title), properties: pageProperties });
    },
    identify(id, traits) {
      if ((typeof id != 'string' && typeof id != 'number') || id === '')
        return warn('identify() dropped: the user id must be a non-empty string');
      // Opted out or denied: not even the user id is kept.
      if (blocked()) return;
      placeKeys();
      setUserId(String(id));
      capture({ type: 'identify', traits: asObject(traits, 'traits') });
    },
    flush: () => (enabled ? dispatcher._flush(true) : Promise.resolve(true)),
    reset() {
      resetIdentity();
      touchSession(Date.now(), false, settings.sessionTimeout, '', true);
    },
    optOut() {
      save('optout', '1');
      discard();
      channel._stop('optout');
    },
    optIn() {
      // The visitor's keys were forgotten at opt-out: a new anonymous id and session from here.
      save('optout', undefined);
      placeKeys();
    },
    consent(state) {
      if (state != 'pending' && state != 'granted' && state != 'denied')
        return warn('consent() takes pending, granted or denied');
      consent = state;
      if (state == 'denied') {
        discard();
        channel._stop(state);
      } else {
        // Granted: what the page held in memory is stored (continuing the stored visit), then what waited is sent.
        placeKeys();
        if (state == 'granted') {
          const released = waiting;
          waiting = [];
          // Unless the visitor opted out meanwhile, in a tab this one did not hear from.
          if (!blocked()) released.forEach((send) => send());
        }
      }
    },
    stop() {
      removers.forEach((remove) => remove());
      dispatcher._pause();
      channel._close();
    },
  };

  // The public methods (and our listeners, see listen below) never throw into the page, whatever
  // they are given (lib/guard.ts: also when what is thrown cannot be printed, such as a Symbol).
  const safe = guard;
  for (const method in tracker)
    (tracker as unknown as Record<string, unknown>)[method] = safe(
      (tracker as unknown as Record<string, (...args: unknown[]) => unknown>)[method],
    );
  const safeFlush = tracker.flush;
  tracker.flush = () => (safeFlush() as Promise<boolean> | undefined) || Promise.resolve(false);

  if (enabled) {
    // Guarded by listen, as the public methods are above.
    removers.push(
      listen(document, 'visibilitychange', () => {
        if (document.visibilityState == 'hidden') return dispatcher._leave();
        return dispatcher._flush();
      }),
      // Capture phase, registered before any capture's: no IndexedDB transaction is left open, nor
      // started, as the page goes into the back/forward cache (`persisted`). WebKit keeps one open
      // for as long as the page stays there, blocking the database for every other page and tab of
      // the site (issue 12; https://bugs.webkit.org/show_bug.cgi?id=315804). What the captures record
      // now (Page Engagement, Web Vitals, Form Abandoned) leaves with the page and in its localStorage copy.
      listen(window, 'pagehide', (event: PageTransitionEvent) => queue._settle(event.persisted), true),
      listen(window, 'pagehide', () => {
        dispatcher._leave(true);
        // Hold no lock, no lock request and no open channel: each can keep the page out of the back/forward cache.
        dispatcher._pause();
        channel._close();
      }),
      listen(window, 'pageshow', (event: PageTransitionEvent) => {
        // https://html.spec.whatwg.org/multipage/nav-history-apis.html#dom-pagetransitionevent-persisted
        if (event.persisted) {
          queue._settle(false);
          channel._open();
          dispatcher._back();
        }
      }),
      listen(window, 'online', () => dispatcher._flush(true)),
      // A hidden page the browser freezes (https://wicg.github.io/page-lifecycle/#sec-lifecycle-states)
      // must not hold a transaction open either; it may be resumed, or discarded without pagehide.
      listen(document, 'freeze', () => queue._settle(true)),
      listen(document, 'resume', () => queue._settle(false)),
      listen(
        document,
        'securitypolicyviolation',
        (event: SecurityPolicyViolationEvent) => blocksEndpoint(event, settings.endpoint) && dispatcher._block(),
      ),
    );
    // Opted out on an earlier page: what is still queued or spilled is deleted, never sent.
    if (load('optout')) discard();
    // Whatever earlier pages could not deliver goes now.
    dispatcher._start();
  } else channel._close();
  return tracker;
}
