// From a request body to rows: decompression with a cap, JSON, the repo's JSON Schema (engagekit's
// strict message definition for engagekit messages, the general Segment spec for other senders),
// and the clock-skew correction of capture times.
import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import Ajv from 'ajv';

/** Largest body accepted, compressed or not (the SDK never sends more than 500 KB). */
export const MAX_BODY = 500_000;

const schema = JSON.parse(readFileSync(new URL('../../schema/batch.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addSchema(schema, 'batch');
const engagekitMessage = /** @type {import('ajv').ValidateFunction} */ (ajv.getSchema('batch#/definitions/message'));
const segmentMessage = /** @type {import('ajv').ValidateFunction} */ (ajv.getSchema('batch#/definitions/segmentMessage'));

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
  if (enc != 'gzip' && enc != 'deflate') throw new Refused(415, `Content-Encoding ${enc} is not supported (gzip, deflate)`);
  try {
    return (enc == 'gzip' ? gunzipSync : inflateSync)(body, { maxOutputLength: MAX_BODY }).toString('utf8');
  } catch (e) {
    if (/** @type {any} */ (e).code == 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new Refused(413, `body inflates to more than ${MAX_BODY} bytes`);
    throw new Refused(400, `body is not valid ${enc}`);
  }
}

/**
 * The single-message routes of Segment's HTTP API and the type they give, with the short forms
 * Segment's browser SDK (analytics.js) posts to: /v1/t, /v1/p, /v1/i, …
 */
const SINGLE = {
  '/v1/track': 'track', '/v1/page': 'page', '/v1/identify': 'identify', '/v1/screen': 'screen', '/v1/group': 'group', '/v1/alias': 'alias',
  '/v1/t': 'track', '/v1/p': 'page', '/v1/i': 'identify', '/v1/s': 'screen', '/v1/g': 'group', '/v1/a': 'alias',
};
/** Batch routes: ours (and Segment's HTTP API), its /import alias, and analytics.js's batching /b. */
const BATCH = new Set(['/v1/batch', '/v1/import', '/v1/b']);

/** Whether `path` is one of the ingest routes. @param {string} path */
export const isIngestPath = (path) => BATCH.has(path) || path in SINGLE;

const time = (/** @type {unknown} */ s) => (typeof s == 'string' ? Date.parse(s) : NaN);
const text = (/** @type {unknown} */ v) => (typeof v == 'string' ? v : null);
const int = (/** @type {unknown} */ v) => (Number.isInteger(v) ? /** @type {number} */ (v) : null);

/**
 * Parse and check one request. Returns the write key, the rows of the valid messages and the
 * rejected ones (index, messageId, reason); throws `Refused` when the body as a whole is unusable.
 *
 * @param {string} path  /v1/batch or a single-message route
 * @param {string} body  decoded text
 * @param {number} receivedAt  ms
 * @returns {{ writeKey: string | undefined, rows: import('./store.mjs').Row[], rejected: { index: number, messageId?: unknown, reason: string }[] }}
 */
export function parse(path, body, receivedAt) {
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
  const writeKey = text(json.writeKey) ?? undefined;
  const batchContext = json.context && typeof json.context == 'object' ? json.context : {};
  const sentAt = time(json.sentAt);
  const rows = [];
  const rejected = [];
  for (let index = 0; index < batch.length; index++) {
    const m = /** @type {any} */ (batch[index]);
    const engagekit = m?.context?.library?.name == 'engagekit';
    const check = engagekit ? engagekitMessage : segmentMessage;
    if (!m || typeof m != 'object' || !check(m)) {
      const err = check.errors?.[0];
      rejected.push({ index, messageId: m?.messageId, reason: err ? `${err.instancePath || 'message'} ${err.message}` : 'not an object' });
      continue;
    }
    const ts0 = time(m.timestamp);
    const sent = time(m.sentAt) || sentAt;
    // The client's clock may be off: what it says elapsed between capture and send is kept, and
    // anchored to the server's receive time (Segment does the same).
    const ts = !isNaN(ts0) && !isNaN(sent) ? receivedAt - Math.max(0, sent - ts0) : !isNaN(ts0) ? ts0 : receivedAt;
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
  return { writeKey, rows, rejected };
}
