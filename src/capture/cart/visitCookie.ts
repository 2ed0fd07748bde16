import { listen } from '../../lib/listen';
import { loadJson, load, persisted } from '../../lib/storage';
import { safeStart } from '../../lib/safeStart';
import { SESSION_TIMEOUT } from '../../session';
import type { SessionContext } from '../../types';

/** The first-party cookie that hands the visit to engagekit's Shopify pixel (see shopify/shopifyPixel.ts). */
export const VISIT_COOKIE = 'engagekit_visit';

/** What the cookie holds: the anonymous id and the session, with its last activity (ms since the epoch). */
export interface Visit {
  aid: string;
  session: SessionContext & { last: number };
}

/**
 * The cookie's value: `aid.sessionId.index.pageCount.startedAt.last` (times in ms since the epoch).
 * Ids are UUIDs (no `.`), so the value needs no escaping.
 */
export const visitValue = ({ aid, session }: Visit): string =>
  [aid, session.id, session.index, session.pageCount, Date.parse(session.startedAt), session.last].join('.');

/** The visit a `engagekit_visit` value holds; undefined when it is missing or malformed. */
export function parseVisit(value: string | null | undefined): Visit | undefined {
  const [aid, id, index, pageCount, startedAt, last] = String(value || '').split('.');
  const numbers = [index, pageCount, startedAt, last].map(Number);
  if (!aid || !id || !numbers.every((number) => number >= 0)) return;
  return {
    aid,
    session: {
      id,
      index: numbers[0],
      pageCount: numbers[1],
      startedAt: new Date(numbers[2]).toISOString(),
      last: numbers[3],
    },
  };
}

/**
 * Share this visit with engagekit's Shopify pixel, which runs in Shopify's checkout with no access to
 * this site's storage (see shopify/shopifyPixel.ts): write the anonymous id and the session to the
 * `engagekit_visit` cookie (path `/`, SameSite=Lax, Secure on https, for as long as a session lasts
 * without activity: `maxAgeMs`, the tracker's `sessionTimeout`, 30 minutes by default), now and
 * each time the page is hidden or left (when the session's last activity was last stored). The
 * script tag starts it on Shopify storefronts (with commerce on); npm users call `shareVisit()`. Only while the identifiers are
 * stored: under a privacy signal, pending or denied consent or an opt-out the cookie is removed.
 * Returns a stop function.
 */
export const shareVisit = /* @__PURE__ */ safeStart('shareVisit', startShareVisit);

function startShareVisit(maxAgeMs = SESSION_TIMEOUT) {
  const write = () => {
    const aid = load('aid');
    const session = loadJson<Visit['session']>('session');
    const shared = aid && session && persisted('aid') && persisted('session');
    document.cookie =
      VISIT_COOKIE +
      '=' +
      (shared ? visitValue({ aid, session }) : '') +
      '; path=/; SameSite=Lax; max-age=' +
      (shared ? Math.round(maxAgeMs / 1000) : 0) +
      (location.protocol == 'https:' ? '; Secure' : '');
  };
  write();
  return [listen(document, 'visibilitychange', write), listen(window, 'pagehide', write)];
}
