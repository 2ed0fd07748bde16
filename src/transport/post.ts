/** A request that has not answered after this long counts as a network error. */
export const REQUEST_TIMEOUT = 20_000;
/**
 * The Fetch standard lets a page have 64 KiB of keepalive request bodies in flight in all
 * ("inflightKeepaliveBytes", https://fetch.spec.whatwg.org/#http-network-or-cache-fetch); fetch
 * keepalive and sendBeacon (https://w3c.github.io/beacon/) share that quota in Chromium and WebKit,
 * and a request over it fails; Firefox does not count beacons against it (measured in issue 12). We
 * stay under it, leaving room for the host page's own beacons; beacons are sent in chunks of it.
 */
export const KEEPALIVE_BUDGET = 60_000;
/** Bodies smaller than this are not worth gzipping (and the Content-Encoding header costs a CORS preflight). */
export const GZIP_MIN = 1024;

// Bytes of keepalive request bodies this page has in flight.
let inflight = 0;

/** Bytes of keepalive budget still free on this page. */
export const keepaliveRoom = (): number => KEEPALIVE_BUDGET - inflight;

/** A request body ready to send: what `encode` made of a batch's JSON. */
export type Encoded = [body: BodyInit, bytes: number, gzip?: boolean];

/**
 * gzip a body with CompressionStream when `compress` is set, the browser has it and the body is big
 * enough to gain (`Content-Encoding: gzip` then needs a CORS preflight, so collectors must allow it).
 */
export async function encode(text: string, bytes: number, compress: boolean): Promise<Encoded> {
  if (!compress || bytes < GZIP_MIN || typeof CompressionStream != 'function') return [text, bytes];
  const gzipped = await new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream('gzip')),
  ).arrayBuffer();
  return [gzipped, gzipped.byteLength, true];
}

/**
 * POST a body and resolve to the HTTP status (0 for a network error or timeout) and the
 * Retry-After header. The request starts before this returns, as the page-hide path needs, and
 * uses `keepalive` whenever the body fits what is left of the page's budget, so it outlives a
 * navigation that starts while it is in flight. `text/plain` keeps it a CORS simple request.
 */
export async function post(url: string, [body, bytes, gzip]: Encoded): Promise<[number, string?]> {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  const keepalive = bytes <= keepaliveRoom();
  if (keepalive) inflight += bytes;
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      keepalive,
      credentials: 'omit',
      signal: AbortSignal.timeout?.(REQUEST_TIMEOUT),
    });
    return [response.status, response.headers.get('Retry-After') || undefined];
  } catch {
    return [0];
  } finally {
    if (keepalive) inflight -= bytes;
  }
}
