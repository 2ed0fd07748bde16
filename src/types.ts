/** A JSON object of event properties or user traits. */
export type Properties = Record<string, unknown>;

/** Where the page view happened: `context.page` of every message. */
export interface PageContext {
  /** Full URL of the page. */
  url: string;
  /** `location.pathname`. */
  path: string;
  /** `document.referrer` ('' when there is none). */
  referrer: string;
  /** `document.title`. */
  title: string;
  /** `location.search`, including the leading `?` ('' when there is none). */
  search: string;
}

/** The visit a message belongs to: `context.session`. */
export interface SessionContext {
  /** Random id of the session, shared by every tab of the site. */
  id: string;
  /** The visitor's nth session (1 for a first visit). */
  index: number;
  /** Page views so far in this session. */
  pageCount: number;
  /** When the session started (ISO-8601). */
  startedAt: string;
}

/** `context` of every message (Segment's common fields). */
export interface Context {
  page: PageContext;
  library: { name: 'engagekit'; version: string };
  locale: string;
  /** utm_* parameters of the landing URL: utm_campaign is `name`. */
  campaign?: { name?: string; source?: string; medium?: string; term?: string; content?: string };
  session: SessionContext;
  [key: string]: unknown;
}

/** One message on the wire, Segment-compatible. */
export interface Message {
  type: 'page' | 'track' | 'identify';
  /** UUID made at capture time and reused on every retry, so collectors can deduplicate. */
  messageId: string;
  /** Capture time (ISO-8601). */
  timestamp: string;
  anonymousId: string;
  userId?: string;
  /** The event name (`track`). */
  event?: string;
  /** The page name (`page`). */
  name?: string;
  properties?: Properties;
  /** User traits (`identify`). */
  traits?: Properties;
  context: Context;
}

/** What `onError` receives. */
export interface EngagekitError {
  /**
   * `dropped`: events dropped by the queue caps (`count` says how many);
   * `rejected`: a batch or event the collector refused with a 4xx it will not retry (`status`);
   * `storage`: IndexedDB failed and the queue fell back to memory;
   * `input`: bad input was dropped.
   */
  type: 'dropped' | 'rejected' | 'storage' | 'input';
  message: string;
  count?: number;
  status?: number;
}

/** Options of `init()`. Script tags set them as `data-*` attributes (`data-write-key`, `data-batch-size`, ...). */
export interface Config {
  /** The collector's batch URL, e.g. `https://collector.example/v1/batch`. Without it the tracker is a no-op. */
  endpoint?: string;
  /** Sent as `writeKey` in every batch body. */
  writeKey?: string;
  /** Send as soon as this many events are queued. Default 20. */
  batchSize?: number;
  /** Upper bound of one request body in bytes (UTF-8). Default and maximum 500 000. */
  maxBatchBytes?: number;
  /** Send queued events at most this many ms after they were captured. Default 5000. */
  flushInterval?: number;
  /** Most events kept in the queue; the oldest go first. Default 1000. */
  maxQueueSize?: number;
  /** Events older than this many ms are dropped unsent. Default 7 days. */
  maxAge?: number;
  /** Gzip batches with CompressionStream when that saves bytes. Default true. */
  compress?: boolean;
  /** Log every event and every send to the console. Default false. */
  debug?: boolean;
  /** Edit an event before it is queued; return null or false to drop it. */
  beforeSend?: (message: Message) => Message | null | false | undefined | void;
  /** Told about dropped events, refused batches and storage failures. */
  onError?: (error: EngagekitError) => void;
  /** Query parameters to keep in captured URLs besides utm_*, gclid and fbclid (script tags: comma-separated). */
  keepParams?: string[];
  /**
   * Honour Do Not Track (https://www.w3.org/TR/tracking-dnt/) like Global Privacy Control
   * (https://w3c.github.io/gpc/): no persistent identifiers. Default false (GPC is always honoured).
   */
  respectDnt?: boolean;
  /**
   * `pending`: events wait in memory (nothing stored, nothing sent) until `consent('granted')`;
   * `denied`: events are discarded; `auto`: `pending`, for consent taken from the site's consent
   * manager (the script tag's `data-consent="auto"` follows it; with npm, pass the tracker's
   * `consent` to `onConsentSignals`). Default `granted`.
   */
  consent?: Consent | 'auto';
  /** A session ends after this many ms without an event. Default 30 minutes. */
  sessionTimeout?: number;
  /** Name of the IndexedDB database (one per site is right). Default `engagekit`. */
  dbName?: string;
}

/** The visitor's consent to analytics. */
export type Consent = 'pending' | 'granted' | 'denied';

/** What `init()` returns. No method ever throws. */
export interface Tracker {
  /** Record a custom event. */
  track(event: string, properties?: Properties): void;
  /** Record a page view (of the current page). */
  page(properties?: Properties): void;
  /** Attach a user id (and traits) to this and every later message. */
  identify(userId: string, traits?: Properties): void;
  /** Send what is queued. Resolves true when the queue is empty, false when the attempt failed. */
  flush(): Promise<boolean>;
  /** Forget the user: new anonymous id, no user id, new session. */
  reset(): void;
  /** Stop capturing and discard what is queued, remembered across page loads. */
  optOut(): void;
  /** Capture again after `optOut()`. */
  optIn(): void;
  /** Change consent at run time: `granted` sends what waited, `denied` discards it. */
  consent(state: Consent): void;
  /** Remove every listener and timer (for tests and single-page apps that unmount). */
  stop(): void;
}
