// Who may read the report: HTTP Basic with REPORT_PASSWORD (any user name), compared in constant
// time whatever the lengths, and failed attempts limited per client address (logged with it), so
// the password cannot be guessed at a thousand tries a second.
import { createHash, timingSafeEqual } from 'node:crypto';

/** @typedef {{ ok: true } | { ok: false, status: 401 } | { ok: false, status: 429, retryAfterS: number }} Verdict */

const digest = (/** @type {Buffer | string} */ b) => createHash('sha256').update(b).digest();

/**
 * Whether `given` is the password. Both sides are hashed first, so the comparison takes the same
 * time whatever their lengths (timingSafeEqual alone throws on, and an early length check leaks,
 * a length mismatch).
 *
 * @param {Buffer} given @param {string} password
 */
export function samePassword(given, password) {
  return timingSafeEqual(digest(given), digest(password));
}

/**
 * A guard for the report's routes.
 *
 * @param {{ password: () => string | undefined, log?: (o: object) => void, maxFailures?: number,
 *   windowMs?: number, maxClients?: number, now?: () => number }} opts
 *   `password` is read on every request (unset: the report is open); after `maxFailures` failed
 *   attempts within `windowMs` a client address gets 429 until the window ends; at most
 *   `maxClients` addresses are remembered (the oldest forgotten first), so the table has a bound.
 * @returns {(req: import('node:http').IncomingMessage) => Verdict}
 */
export function reportGuard({
  password,
  log = () => undefined,
  maxFailures = 10,
  windowMs = 60_000,
  maxClients = 10_000,
  now = Date.now,
}) {
  /** Failed attempts per client address, oldest first. @type {Map<string, { failures: number, until: number }>} */
  const failed = new Map();
  return (req) => {
    const want = password();
    if (!want) return { ok: true };
    const client = req.socket.remoteAddress || 'unknown';
    const t = now();
    let entry = failed.get(client);
    if (entry && entry.until <= t) {
      failed.delete(client);
      entry = undefined;
    }
    if (entry && entry.failures >= maxFailures) {
      const retryAfterS = Math.ceil((entry.until - t) / 1000);
      return { ok: false, status: 429, retryAfterS };
    }
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization || '');
    // No credentials at all is a browser asking which realm, not a guess: 401, not counted.
    if (!m) return { ok: false, status: 401 };
    const given = Buffer.from(
      Buffer.from(m[1], 'base64')
        .toString('utf8')
        .replace(/^[^:]*:/, ''),
    );
    if (samePassword(given, want)) {
      failed.delete(client);
      return { ok: true };
    }
    if (!entry) {
      entry = { failures: 0, until: t + windowMs };
      failed.set(client, entry);
      for (const key of failed.keys()) {
        if (failed.size <= maxClients) break;
        failed.delete(key);
      }
    }
    entry.failures++;
    log({
      level: 'warn',
      msg: entry.failures >= maxFailures ? 'report login failed, client throttled' : 'report login failed',
      client,
      failures: entry.failures,
      path: req.url,
    });
    return { ok: false, status: 401 };
  };
}
