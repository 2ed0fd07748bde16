/**
 * The benchmark's collector: one HTTP server on 127.0.0.1 per measurement run that speaks the
 * ingestion side of every SDK measured (engagekit, Segment and RudderStack JSON batches and
 * single-message endpoints, Snowplow's tracker protocol over GET and POST, PostHog's capture
 * endpoints in plain JSON, gzip or base64, Amplitude's HTTP V2 API, Plausible's and Umami's event
 * APIs), answers the configuration requests some of them make (PostHog remote config and flags,
 * RudderStack source config) so that nothing leaves the machine, and serves PostHog's lazily loaded
 * scripts from the package, since PostHog fetches them from its API host.
 *
 * Every event is decoded into one normalised shape, so delivery and duplicates are counted the same
 * way for every SDK: by the event's name (the harness gives every event it tracks a unique one),
 * because Plausible and Umami send no message id.
 */
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, inflateRawSync } from 'node:zlib';

/**
 * @typedef {object} NormalEvent
 * @property {number} at          arrival time (ms since epoch)
 * @property {string} name        event name ('pageview' style names are normalised to kind 'page')
 * @property {'page'|'track'|'identify'|'other'} kind
 * @property {string|null} session client-side session id carried by the event, if any
 * @property {Record<string, unknown>} props
 * @property {boolean} accepted   whether the request that carried it was answered 2xx
 * @property {string} route       the endpoint it came through
 */

/**
 * @typedef {object} RequestRecord
 * @property {number} at
 * @property {string} method
 * @property {string} path
 * @property {number} status       0 when the connection was cut (outage)
 * @property {'ingest'|'config'|'asset'|'preflight'|'other'} kind
 * @property {number} wireBytes    request line + headers + body, as they crossed the socket (HTTP/1.1)
 * @property {number} bodyBytes    body as sent (compressed size when compressed)
 * @property {number} events       events decoded from it
 * @property {string} [error]      why its body could not be decoded
 */

const INGEST = [
  /^\/v1\/(batch|t|p|i|track|page|identify|screen|group|alias)\/?$/, // engagekit, Segment, RudderStack
  /^\/beacon\/v1\/batch\/?$/, // RudderStack's beacon queue
  /^\/com\.snowplowanalytics\.snowplow\/tp2\/?$/, // Snowplow POST
  /^\/i$/, // Snowplow GET
  /^\/(e|i\/v0\/e|batch|capture|track|engage|s)\/?$/, // PostHog
  /^\/2\/httpapi\/?$/, // Amplitude
  /^\/batch\/?$/, // Amplitude batch API (also a PostHog path above)
  /^\/api\/event\/?$/, // Plausible
  /^\/api\/send\/?$/, // Umami
];
const TELEMETRY = /^\/v1\/m\/?$/; // Segment's own metrics: recorded, not counted as events

/** Read a request body fully. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Bytes of the request line and headers as Node received them (HTTP/1.1 framing). */
function headBytes(req) {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`) + 2;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    n += Buffer.byteLength(req.rawHeaders[i]) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]) + 2;
  return n;
}

/** base64 or base64url to a UTF-8 string. */
function b64(s) {
  return Buffer.from(String(s).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/**
 * Decode a body to JSON whatever the SDK did to it: gzip (engagekit's Content-Encoding, PostHog's
 * `compression=gzip-js`), PostHog's form-encoded `data=` (base64 or plain), or plain JSON.
 */
function decodeJson(buf, req, url) {
  let raw = buf;
  const enc = String(req.headers['content-encoding'] || '');
  const compression = url.searchParams.get('compression') || '';
  if (enc === 'gzip' || compression === 'gzip-js' || compression === 'gzip' || (raw[0] === 0x1f && raw[1] === 0x8b))
    raw = gunzipSync(raw);
  else if (enc === 'deflate') raw = inflateRawSync(raw);
  let text = raw.toString('utf8');
  const type = String(req.headers['content-type'] || '');
  if (type.includes('x-www-form-urlencoded') || /^data=/.test(text)) {
    const data = new URLSearchParams(text).get('data') || '';
    text = compression === 'base64' || !/^[[{]/.test(data) ? b64(data) : data;
  }
  return text ? JSON.parse(text) : null;
}

/** Snowplow tracker-protocol payload (one event) to a normalised event. */
function snowplowEvent(p) {
  const session = p.sid || null;
  if (p.e === 'pv') return { name: 'pageview', kind: 'page', session, props: { url: p.url, title: p.page } };
  if (p.e === 'pp')
    return { name: 'page_ping', kind: 'other', session, props: { x: [p.pp_mix, p.pp_max], y: [p.pp_miy, p.pp_may] } };
  if (p.e === 'se')
    return { name: String(p.se_ac || p.se_ca), kind: 'track', session, props: { category: p.se_ca, label: p.se_la } };
  if (p.e === 'ue') {
    const ue = JSON.parse(p.ue_pr || b64(p.ue_px || '') || '{}');
    const inner = ue.data || {};
    const data = inner.data || {};
    const schema = String(inner.schema || '');
    const name = typeof data.event_name === 'string' ? data.event_name : schema.split('/')[1] || schema;
    return { name, kind: 'track', session, props: { schema, ...data } };
  }
  return { name: String(p.e), kind: 'other', session, props: {} };
}

/** Segment-spec message (engagekit, Segment, RudderStack) to a normalised event. */
function segmentEvent(m, fallbackType) {
  const type = m.type || fallbackType;
  const kind = type === 'page' ? 'page' : type === 'track' ? 'track' : type === 'identify' ? 'identify' : 'other';
  const ctx = m.context || {};
  const session = (ctx.session && ctx.session.id) || ctx.sessionId || null;
  return {
    name: String(type === 'track' ? m.event : type === 'page' ? 'page' : type),
    kind,
    session: session == null ? null : String(session),
    props: m.properties || m.traits || {},
  };
}

/** PostHog event to a normalised event. */
function posthogEvent(e) {
  const props = e.properties || {};
  const name = String(e.event);
  return {
    name,
    kind: name === '$pageview' ? 'page' : name.startsWith('$') && name !== '$autocapture' ? 'other' : 'track',
    session: props.$session_id || null,
    props,
  };
}

/** Amplitude event to a normalised event. */
function amplitudeEvent(e) {
  const name = String(e.event_type);
  const kind =
    name === '[Amplitude] Page Viewed'
      ? 'page'
      : name === '$identify'
        ? 'identify'
        : name.startsWith('[Amplitude]') || name.startsWith('session_')
          ? 'other'
          : 'track';
  return {
    name,
    kind,
    session: e.session_id != null && e.session_id !== -1 ? String(e.session_id) : null,
    props: e.event_properties || {},
  };
}

/**
 * Decode one ingestion request into normalised events; throws on a body it cannot read.
 * @returns {Omit<NormalEvent, 'at'|'accepted'|'route'>[]}
 */
export function decode(path, req, url, buf) {
  if (req.method === 'GET' && path === '/i') return [snowplowEvent(Object.fromEntries(url.searchParams))];
  const body = decodeJson(buf, req, url);
  if (body == null) return [];
  let m;
  if ((m = /^\/(?:beacon\/)?v1\/(batch|t|p|i|track|page|identify|screen|group|alias)\/?$/.exec(path))) {
    const short = { t: 'track', p: 'page', i: 'identify' };
    const msgs = Array.isArray(body.batch) ? body.batch : [body];
    return msgs.map((x) => segmentEvent(x, short[m[1]] || m[1]));
  }
  if (path.startsWith('/com.snowplowanalytics.snowplow/tp2')) return (body.data || []).map(snowplowEvent);
  if (/^\/2\/httpapi|^\/batch\/?$/.test(path) && Array.isArray(body.events)) return body.events.map(amplitudeEvent);
  if (path.startsWith('/api/event')) {
    const name = String(body.n);
    return [
      {
        name,
        kind: name === 'pageview' ? 'page' : name === 'engagement' ? 'other' : 'track',
        session: null,
        props: { ...(body.p || {}), ...(name === 'engagement' ? { engaged_ms: body.e, scroll_depth: body.sd } : {}) },
      },
    ];
  }
  if (path.startsWith('/api/send')) {
    const p = body.payload || {};
    if (body.type === 'identify') return [{ name: 'identify', kind: 'identify', session: null, props: p.data || {} }];
    return [
      p.name
        ? { name: String(p.name), kind: 'track', session: null, props: p.data || {} }
        : { name: 'pageview', kind: 'page', session: null, props: { url: p.url } },
    ];
  }
  // PostHog: a single event, an array of them, or { batch: [...] }; session recordings (/s/) are events too.
  const list = Array.isArray(body) ? body : Array.isArray(body.batch) ? body.batch : [body];
  return list.map(posthogEvent);
}

/** The remote configuration a new PostHog project with product analytics only serves (see README). */
export function posthogRemoteConfig(token) {
  return {
    token,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: false,
    autocaptureExceptions: false,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    errorTracking: { autocaptureExceptions: false, suppressionRules: [] },
    logs: { captureConsoleLogs: false },
    sessionRecording: false,
    heatmaps: false,
    surveys: false,
    productTours: false,
    conversations: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  };
}

/** RudderStack source configuration for a source with no destinations, its own telemetry off. */
export function rudderSourceConfig(writeKey) {
  return {
    isHosted: true,
    source: {
      id: 'bench-source',
      name: 'bench',
      writeKey,
      enabled: true,
      workspaceId: 'bench-workspace',
      updatedAt: '2026-01-01T00:00:00.000Z',
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  };
}

export class Collector {
  /** @param {{ posthogDist?: string }} [opts] where PostHog's dist/ is, to serve its lazy scripts */
  constructor(opts = {}) {
    this.opts = opts;
    /** @type {RequestRecord[]} */
    this.requests = [];
    /** @type {NormalEvent[]} */
    this.events = [];
    /** Scripts served for this run, by this collector or by the site on its behalf. */
    this.assets = [];
    /** Ingestion cut off: connections to ingestion endpoints are destroyed (a network error). */
    this.outage = false;
    /** Ingestion answers 503 until this time (ms since epoch). */
    this.failUntil = 0;
    /** Undecodable bodies, for debugging a peer that seems to lose everything. */
    this.errors = [];
    this.port = 0;
    this.sockets = new Set();
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async up() {
    this.server = http.createServer((req, res) =>
      this.handle(req, res).catch((e) => {
        this.errors.push(String((e && e.stack) || e));
        if (!res.headersSent) res.writeHead(500).end();
      }),
    );
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Record a script served for this run (also called by the site server). */
  recordAsset(path, bytes) {
    this.assets.push({ at: Date.now(), path, bytes });
  }

  cors(req, res) {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] || 'Content-Type');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Access-Control-Max-Age', '600');
    // Chromium's Local Network Access checks: the pages are loopback too, but say it anyway.
    if (req.headers['access-control-request-private-network'])
      res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }

  async handle(req, res) {
    const url = new URL(req.url || '/', 'http://x');
    const path = url.pathname;
    const ingest = INGEST.some((r) => r.test(path)) && !(req.method === 'GET' && path !== '/i');
    /** @type {RequestRecord} */
    const rec = {
      at: Date.now(),
      method: req.method || '',
      path,
      status: 200,
      kind: 'other',
      wireBytes: headBytes(req),
      bodyBytes: 0,
      events: 0,
    };
    this.cors(req, res);
    if (req.method === 'OPTIONS') {
      rec.kind = 'preflight';
      this.requests.push(rec);
      if (ingest && this.outage) return void req.socket.destroy();
      return void res.writeHead(204).end();
    }
    const buf = await readBody(req);
    rec.bodyBytes = buf.length;
    rec.wireBytes += buf.length;
    this.requests.push(rec);

    if (ingest || TELEMETRY.test(path)) {
      rec.kind = TELEMETRY.test(path) ? 'other' : 'ingest';
      if (this.outage) {
        rec.status = 0;
        return void req.socket.destroy();
      }
      const failing = Date.now() < this.failUntil;
      rec.status = failing ? 503 : path.startsWith('/api/event') ? 202 : 200;
      if (rec.kind === 'ingest') {
        try {
          const evs = decode(path, req, url, buf);
          rec.events = evs.length;
          for (const e of evs) this.events.push({ ...e, at: rec.at, accepted: !failing, route: path });
        } catch (e) {
          rec.error = String((e && e.message) || e);
          this.errors.push(`${req.method} ${req.url}: ${rec.error}`);
        }
      }
      if (failing)
        return void res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"unavailable"}');
      return void this.answerIngest(path, rec, res);
    }

    // Configuration and scripts: never subject to the outage, which is the ingestion's.
    let m;
    if ((m = /^\/array\/([^/]+)\/config(\.js)?$/.exec(path))) {
      rec.kind = 'config';
      const cfg = posthogRemoteConfig(m[1]);
      if (m[2]) {
        const js = `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(m[1])}]={config:${JSON.stringify(cfg)},siteApps:[]}})();`;
        this.recordAsset(path, Buffer.from(js));
        return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
      }
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(cfg));
    }
    if (/^\/(flags|decide)\/?$/.test(path)) {
      rec.kind = 'config';
      const flags = {
        featureFlags: {},
        featureFlagPayloads: {},
        flags: {},
        errorsWhileComputingFlags: false,
        quotaLimited: [],
        requestId: 'bench',
      };
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(path.startsWith('/decide') ? { ...posthogRemoteConfig('bench'), ...flags } : flags));
    }
    if (/^\/sourceConfig\/?$/.test(path)) {
      rec.kind = 'config';
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(rudderSourceConfig(url.searchParams.get('writeKey') || 'bench')));
    }
    if (
      (m = /^\/static\/(?:[\d.]+\/)?([\w.-]+\.js)$/.exec(path)) &&
      this.opts.posthogDist &&
      existsSync(join(this.opts.posthogDist, m[1]))
    ) {
      rec.kind = 'asset';
      const bytes = readFileSync(join(this.opts.posthogDist, m[1]));
      this.recordAsset(path, bytes);
      return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bytes);
    }
    rec.status = 404;
    res.writeHead(404).end();
  }

  /** Each SDK's success answer, in the shape it expects. */
  answerIngest(path, rec, res) {
    const json = (o) => res.writeHead(rec.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(o));
    if (path.startsWith('/2/httpapi') || (path.startsWith('/batch') && rec.events))
      return json({
        code: 200,
        events_ingested: rec.events,
        payload_size_bytes: rec.bodyBytes,
        server_upload_time: Date.now(),
      });
    if (/^\/(e|i\/v0\/e|batch|capture|track|engage|s)\/?$/.test(path)) return json({ status: 1 });
    if (path.startsWith('/api/send'))
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('bench-cache-token');
    if (path.startsWith('/api/event')) return void res.writeHead(202, { 'Content-Type': 'text/plain' }).end('ok');
    if (path.startsWith('/com.snowplowanalytics') || path === '/i')
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return json({ success: true });
  }

  // ---- what the harness reads ----

  /** Accepted events matching `filter`. */
  accepted(filter = () => true) {
    return this.events.filter((e) => e.accepted && filter(e));
  }

  /**
   * Distinct accepted events and how many accepted copies repeated one. An event is known by its
   * name and the `i` or `product_id` property the harness gives it (fault events have unique names).
   */
  delivery(filter) {
    const acc = this.accepted(filter);
    const distinct = new Set(acc.map((e) => `${e.name}#${e.props.i ?? e.props.product_id ?? ''}`)).size;
    return { delivered: distinct, duplicated: acc.length - distinct };
  }

  /** Forget what was recorded (not the assets, which belong to the run). */
  resetTraffic() {
    this.requests.length = 0;
    this.events.length = 0;
  }
}
