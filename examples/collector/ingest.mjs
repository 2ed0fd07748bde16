// From a request body to rows: decompression with a cap, JSON, the repo's JSON Schema (engagekit's
// strict message definition for engagekit messages, the general Segment spec for other senders),
// and the clock-skew correction of capture times.
import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import Ajv from 'ajv';

/** Largest body accepted, compressed or not (the SDK never sends more than 500 KB). */
export const MAX_BODY = 500_000;
/** Largest message, as JSON (UTF-8 bytes): Segment's per-call limit, which engagekit keeps too. */
export const MAX_MESSAGE = 32_768;
/**
 * Deepest nesting kept. JSON.parse takes 200 000 nested arrays in 400 KB, but JSON.stringify (and
 * any recursive walk) then overflows the stack: such a message is refused on its own instead of
 * turning the whole request into a 500 that the SDK would retry for ever.
 */
export const MAX_DEPTH = 64;
/**
 * Most messages in one request, checked before any is validated: 500 KB of empty messages is
 * 166 000 of them, and validating each (and listing each as rejected) cost seconds of blocked
 * event loop. engagekit sends 20 at a time and halves a batch refused with 413.
 */
export const MAX_MESSAGES = 1000;
/** Most rejected messages listed in an answer; the rest are only counted (`rejectedCount`). */
export const MAX_REJECTED_LISTED = 20;

const schema = JSON.parse(readFileSync(new URL('../../schema/batch.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addSchema(schema, 'batch');
const engagekitMessage = /** @type {import('ajv').ValidateFunction} */ (ajv.getSchema('batch#/definitions/message'));
const segmentMessage = /** @type {import('ajv').ValidateFunction} */ (
  ajv.getSchema('batch#/definitions/segmentMessage')
);

/** A request the collector refuses as a whole, with the HTTP status to answer. */
export class Refused extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * The request body as text: gzip and deflate are inflated with a cap, so a bomb (a few KB that
 * inflate to gigabytes) is refused with 413 after at most MAX_BODY bytes of output.
 *
 * @param {Buffer} body @param {string | undefined} encoding
 */
export function decode(body, encoding) {
  const enc = (encoding || 'identity').trim().toLowerCase();
  if (enc == 'identity') return body.toString('utf8');
  if (enc != 'gzip' && enc != 'deflate')
    throw new Refused(415, `Content-Encoding ${enc} is not supported (gzip, deflate)`);
  try {
    return (enc == 'gzip' ? gunzipSync : inflateSync)(body, { maxOutputLength: MAX_BODY }).toString('utf8');
  } catch (e) {
    if (/** @type {any} */ (e).code == 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new Refused(413, `body inflates to more than ${MAX_BODY} bytes`);
    throw new Refused(400, `body is not valid ${enc}`);
  }
}

/**
 * The single-message routes of Segment's HTTP API and the type they give, with the short forms
 * Segment's browser SDK (analytics.js) posts to: /v1/t, /v1/p, /v1/i, …
 */
const SINGLE = {
  '/v1/track': 'track',
  '/v1/page': 'page',
  '/v1/identify': 'identify',
  '/v1/screen': 'screen',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
  '/v1/t': 'track',
  '/v1/p': 'page',
  '/v1/i': 'identify',
  '/v1/s': 'screen',
  '/v1/g': 'group',
  '/v1/a': 'alias',
};
/** Batch routes: ours (and Segment's HTTP API), its /import alias, and analytics.js's batching /b. */
const BATCH = new Set(['/v1/batch', '/v1/import', '/v1/b']);

/** Whether `path` is one of the ingest routes. @param {string} path */
export const isIngestPath = (path) => BATCH.has(path) || path in SINGLE;

/**
 * A copy of a parsed JSON value whose strings (keys too) PostgreSQL can store: NUL is refused in
 * TEXT and `\u0000` in jsonb, and a lone surrogate escape is refused by jsonb, so both become
 * U+FFFD; SQLite gets the same text, so the two backends agree. Throws past MAX_DEPTH.
 *
 * @param {unknown} v @param {number} [depth]
 * @returns {any}
 */
function clean(v, depth = 0) {
  if (typeof v == 'string') return v.toWellFormed().replaceAll('\0', '\uFFFD');
  if (!v || typeof v != 'object') return v;
  if (depth >= MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  // fromEntries defines own properties: a "__proto__" key stays data, as JSON.parse made it.
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [clean(k), clean(x, depth + 1)]));
}

/**
 * Whether a body's strings can be stored as JSON.parse made them: no escape of NUL or of a
 * surrogate anywhere (JSON cannot hold either unescaped, and the body was decoded from UTF-8,
 * which leaves no lone surrogate). Anything it is unsure of (an escaped backslash followed by
 * "u0000", say) takes clean()'s copy.
 *
 * @param {string} body
 */
const plainText = (body) => !/\\u(?:0000|[dD][89abAB-Fa-f])/.test(body);

/** Whether `v` nests deeper than clean() accepts, without copying it. @param {unknown} v @param {number} [depth] @returns {boolean} */
function tooDeep(v, depth = 0) {
  if (!v || typeof v != 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  for (const k in v) if (tooDeep(/** @type {any} */ (v)[k], depth + 1)) return true;
  return false;
}

const time = (/** @type {unknown} */ s) => (typeof s == 'string' ? Date.parse(s) : NaN);
const text = (/** @type {unknown} */ v) => (typeof v == 'string' ? v : null);
const int = (/** @type {unknown} */ v) => (Number.isInteger(v) ? /** @type {number} */ (v) : null);

/**
 * The first step of a request, cheap whatever its size: the JSON, its messages (not yet checked)
 * and the write key in the body. Throws `Refused` when the body as a whole is unusable, a batch of
 * more than MAX_MESSAGES included, before any message is validated.
 *
 * @param {string} path  /v1/batch or a single-message route
 * @param {string} body  decoded text
 * @returns {{ json: Record<string, any>, batch: unknown[], writeKey: string | undefined, plain: boolean }}
 */
export function readBatch(path, body) {
  let json;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new Refused(400, 'body is not JSON: ' + /** @type {Error} */ (e).message);
  }
  if (!json || typeof json != 'object' || Array.isArray(json)) throw new Refused(400, 'body must be a JSON object');
  /** @type {unknown[]} */
  let batch;
  if (path in SINGLE) batch = [{ ...json, type: json.type ?? SINGLE[/** @type {keyof SINGLE} */ (path)] }];
  else if (!Array.isArray(json.batch)) throw new Refused(400, '`batch` must be an array of messages');
  else batch = json.batch;
  if (!batch.length) throw new Refused(400, '`batch` is empty');
  // 413, as for a body too large: engagekit halves the batch and sends both halves.
  if (batch.length > MAX_MESSAGES) throw new Refused(413, `batch of ${batch.length} messages is over ${MAX_MESSAGES}`);
  const writeKey = text(json.writeKey) ? clean(json.writeKey) : undefined;
  return { json, batch, writeKey, plain: plainText(body) };
}

/**
 * Parse and check one request. Returns the write key, the rows of the valid messages and the
 * rejected ones (index, messageId, reason); throws `Refused` when the body as a whole is unusable.
 *
 * @param {string} path  /v1/batch or a single-message route
 * @param {string} body  decoded text
 * @param {number} receivedAt  ms
 * @returns {ReturnType<typeof toRows> & { writeKey: string | undefined }}
 */
export function parse(path, body, receivedAt) {
  const read = readBatch(path, body);
  return { writeKey: read.writeKey, ...toRows(read, receivedAt) };
}

/**
 * The second step, once the write key is known to be good: every message checked against the
 * schema, the valid ones as rows.
 *
 * @param {ReturnType<typeof readBatch>} read @param {number} receivedAt  ms
 * @returns {{ rows: import('./store.mjs').Row[], rejected: { index: number, messageId?: unknown, reason: string }[], rejectedCount: number, clampedTimes: number, droppedEvents?: number }}
 */
export function toRows({ json, batch, writeKey, plain }, receivedAt) {
  /** @type {Record<string, any>} */
  let batchContext = {};
  try {
    if (json.context && typeof json.context == 'object' && !Array.isArray(json.context))
      batchContext = clean(json.context, 1);
  } catch (e) {
    throw new Refused(400, 'context: ' + /** @type {Error} */ (e).message);
  }
  const sentAt = time(json.sentAt);
  const rows = [];
  /** @type {{ index: number, messageId?: unknown, reason: string }[]} */
  const rejected = [];
  let rejectedCount = 0;
  let clampedTimes = 0;
  /** Lists the first MAX_REJECTED_LISTED, counts them all. @param {number} index @param {unknown} id @param {string} reason */
  const reject = (index, id, reason) => {
    if (++rejectedCount > MAX_REJECTED_LISTED) return;
    // The id is echoed back: only an id-like string, not whatever a sender put there.
    const messageId = typeof id == 'string' ? id.slice(0, 100) : typeof id == 'number' ? id : undefined;
    rejected.push({ index, messageId, reason });
  };
  for (let index = 0; index < batch.length; index++) {
    const raw = /** @type {any} */ (batch[index]);
    const engagekit = raw?.context?.library?.name == 'engagekit';
    const check = engagekit ? engagekitMessage : segmentMessage;
    if (!raw || typeof raw != 'object' || Array.isArray(raw) || !check(raw)) {
      const err = check.errors?.[0];
      reject(index, raw?.messageId, err ? `${err.instancePath || 'message'} ${err.message}` : 'not an object');
      continue;
    }
    let m, size;
    try {
      // Most bodies need no copy: only the depth is checked (clean() throws the same error).
      if (plain && tooDeep(raw)) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
      m = plain ? raw : clean(raw);
      size = Buffer.byteLength(JSON.stringify(m));
    } catch (e) {
      reject(index, raw.messageId, /** @type {Error} */ (e).message);
      continue;
    }
    // Refused, not trimmed: the sender decides what to drop (engagekit trims its own events under this).
    if (size > MAX_MESSAGE) {
      reject(index, raw.messageId, `message of ${size} bytes is over ${MAX_MESSAGE}`);
      continue;
    }
    // RudderStack's SDKs send the capture time as originalTimestamp (their server adds timestamp).
    const ts0 = time(m.timestamp ?? m.originalTimestamp);
    const sent = time(m.sentAt) || sentAt;
    // The client's clock may be off: what it says elapsed between capture and send is kept, and
    // anchored to the server's receive time (Segment does the same).
    let ts = !isNaN(ts0) && !isNaN(sent) ? receivedAt - Math.max(0, sent - ts0) : !isNaN(ts0) ? ts0 : receivedAt;
    // Without a send time the client's clock is taken as it is (imports of past events keep their
    // dates), but nothing was captured after it arrived: a date in the future is the receive time.
    if (ts > receivedAt) {
      ts = receivedAt;
      clampedTimes++;
    }
    const context = { ...batchContext, ...m.context };
    const page = context.page || {};
    const session = context.session || {};
    rows.push({
      message_id: String(m.messageId),
      write_key: writeKey || '',
      type: m.type,
      event: m.type == 'track' ? m.event : null,
      name: text(m.name),
      anonymous_id: text(m.anonymousId),
      user_id: text(m.userId),
      session_id: text(session.id),
      session_index: int(session.index),
      page_count: int(session.pageCount),
      path: text(page.path) ?? text(m.properties?.path),
      url: text(page.url) ?? text(m.properties?.url),
      referrer: text(page.referrer) ?? text(m.properties?.referrer),
      ts,
      received_at: receivedAt,
      properties: JSON.stringify((m.type == 'identify' || m.type == 'group' ? m.traits : m.properties) || {}),
      context: JSON.stringify(context),
    });
  }
  // engagekit counts the events its queue had to drop in the batch context: worth a log line.
  const droppedEvents = Number.isInteger(batchContext.droppedEvents) ? batchContext.droppedEvents : undefined;
  return { rows, rejected, rejectedCount, clampedTimes, droppedEvents };
}
