import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** The context engagekit sends with every message (schema/batch.schema.json, definitions.context). */
export interface ReceivedContext {
  page: { url: string; path: string; referrer: string; title: string; search: string };
  library: { name: string; version: string };
  session: { id: string; index: number; pageCount: number; startedAt: string };
  campaign?: { name?: string; source?: string; medium?: string; term?: string; content?: string };
  [key: string]: unknown;
}

/** One message as the collector received it: engagekit's, so with a context. */
export interface Received {
  type: string;
  messageId: string;
  event?: string;
  properties?: Record<string, unknown>;
  context: ReceivedContext;
  [key: string]: unknown;
}

/** One request as the collector saw it. */
export interface RequestRecord {
  at: number;
  method: string;
  headers: http.IncomingHttpHeaders;
  status: number;
  body?: { batch: Received[]; sentAt: string; writeKey?: string; context?: Record<string, unknown> };
}

/**
 * The recording collector every browser test shares: a real HTTP server on 127.0.0.1 that speaks
 * the collector side of the wire format (CORS preflight, text/plain or JSON, gzip), records every
 * request and message, and can be scripted to fail (down, or a sequence of statuses).
 */
export class Collector {
  readonly requests: RequestRecord[] = [];
  /** Every message of every request answered 2xx, in arrival order (duplicates included). */
  readonly acked: Received[] = [];
  /** Every message received, whatever the answer. */
  readonly received: Received[] = [];
  /** When each POST's body had arrived (ms), whatever the answer and however long it is held. */
  readonly arrivals: number[] = [];
  /** Statuses to answer next, one per POST; then 200. A status may carry a Retry-After. */
  script: { status: number; retryAfter?: string }[] = [];
  private server?: http.Server;
  private sockets = new Set<Socket>();
  // Set by `hold()`: answers wait for it (a batch in flight).
  private holding?: Promise<void>;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1/batch`;
  }

  /** Start listening (on the same port as before when restarted). */
  async up(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /**
   * Stop listening and cut every open connection: the browser sees network errors. Answers held by
   * `hold()` are never given (nor the messages counted as acknowledged): the collector lost them.
   */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.holding = undefined;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise((r) => s.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Access-Control-Max-Age', '600');
    const rec: RequestRecord = { at: Date.now(), method: req.method || '', headers: req.headers, status: 204 };
    if (req.method === 'OPTIONS') {
      this.requests.push(rec);
      return res.writeHead(204).end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      try {
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        rec.body = JSON.parse(raw.toString('utf8'));
      } catch {
        rec.status = 400;
      }
      const batch = rec.body?.batch || [];
      this.received.push(...batch);
      this.arrivals.push(Date.now());
      // The status is chosen when the answer goes, so a test may script it while the request is held.
      const server = this.server;
      const answer = () => {
        // Went down while holding it: never answered.
        if (this.server !== server) return;
        const next = rec.status === 400 ? { status: 400 } : this.script.shift() || { status: 200 };
        rec.status = next.status;
        this.requests.push(rec);
        if (next.status >= 200 && next.status < 300) this.acked.push(...batch);
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (next.retryAfter) headers['Retry-After'] = next.retryAfter;
        res.writeHead(next.status, headers).end('{}');
      };
      if (this.holding) this.holding.then(answer);
      else answer();
    });
  }

  /**
   * Hold every answer from now on (requests are still received and recorded in `received` at once;
   * `requests` gets them, with their arrival time, when answered) until the returned function is called.
   */
  hold(): () => void {
    let release!: () => void;
    this.holding = new Promise((resolve) => (release = resolve));
    return () => {
      this.holding = undefined;
      release();
    };
  }

  /** Acknowledged messages, one per messageId (what a deduplicating collector stores). */
  stored(filter: (m: Received) => boolean = () => true): Received[] {
    const seen = new Map<string, Received>();
    for (const m of this.acked) if (filter(m) && !seen.has(m.messageId)) seen.set(m.messageId, m);
    return [...seen.values()];
  }

  /** How many acknowledged messages repeated an already acknowledged messageId. */
  duplicates(filter: (m: Received) => boolean = () => true): number {
    const all = this.acked.filter(filter);
    return all.length - new Set(all.map((m) => m.messageId)).size;
  }

  /** Wait until `n` distinct messages matching `filter` are stored; bounded by `timeout` ms. */
  async waitFor(n: number, filter: (m: Received) => boolean = () => true, timeout = 30_000): Promise<Received[]> {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      const got = this.stored(filter);
      if (got.length >= n) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `collector: ${this.stored(filter).length} of ${n} messages arrived in ${timeout} ms (${this.requests.length} requests: ${this.requests.map((r) => r.status).join(',')})`,
    );
  }

  /** Forget everything recorded and scripted. */
  reset(): void {
    this.requests.length = 0;
    this.acked.length = 0;
    this.received.length = 0;
    this.arrivals.length = 0;
    this.script = [];
    this.holding = undefined;
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/** Only `track` messages, optionally only those whose event name starts with `prefix`. */
/** Filter: messages of the event `event`. */
export const named =
  (event: string) =>
  (m: Received): boolean =>
    m.event === event;

/** Filter: page views. */
export const pages = (m: Received): boolean => m.type === 'page';

export const tracks =
  (prefix = '') =>
  (m: Received): boolean =>
    m.type === 'track' && String(m.event).startsWith(prefix);
