import type { SessionContext } from './types';
import { load, save } from './lib/storage';
import { uuid } from './lib/uuid';

interface Stored extends SessionContext {
  /** Last activity, ms since the epoch. */
  last: number;
  /** The campaign (utm_* as JSON) the session came from; '' when none. */
  c?: string;
  /** Whether `Session Started` has been sent for it. */
  a?: 1;
}

/** A session ends after this long without an event by default (Google Analytics' and Segment's). */
export const SESSION_TIMEOUT = 30 * 60_000;

/** The stored time of last activity may lag this far behind (see touchSession). */
export const LAST_SLACK = 1000;

/**
 * The current session, kept in localStorage so every tab of the site shares it: a tab that stays
 * idle does not end a session another tab keeps alive, because any tab's activity moves `last`,
 * and a duplicated tab simply joins it. A new session (index + 1) starts after `timeout` without
 * activity, when the visitor arrives from another campaign (a `campaign` that is set and differs),
 * or when `fresh` is true. `pageView` counts a page view in it. The second value is true once per
 * session, for the event that should be preceded by `Session Started`.
 */
export function touchSession(
  now: number,
  pageView: boolean,
  timeout: number,
  campaign: string,
  fresh?: boolean,
): [SessionContext, boolean] {
  let s: Stored | undefined;
  try {
    s = JSON.parse(load('session')!);
  } catch {
    // unreadable: start over
  }
  const made = !s || fresh || now - s.last > timeout || typeof s.index != 'number' || (campaign && campaign != s.c);
  if (made)
    s = {
      id: uuid(),
      index: (s ? +s!.index : 0) + 1 || 1,
      pageCount: 0,
      startedAt: new Date(now).toISOString(),
      last: now,
      c: campaign,
    };
  s = s!;
  // reset() starts a session without an event: its first event will announce it.
  const announce = !s.a && !fresh;
  if (!fresh) s.a = 1;
  if (pageView) s.pageCount++;
  // A localStorage write per event was the largest cost of track() (the writes are synchronous).
  // When only the time of last activity moved, and by under LAST_SLACK, the stored one is left:
  // the session then ends at most that much early, of its 30 minutes.
  if (made || announce || pageView || now - s.last >= LAST_SLACK) {
    s.last = now;
    save('session', JSON.stringify(s));
  }
  return [{ id: s.id, index: s.index, pageCount: s.pageCount, startedAt: s.startedAt }, announce];
}
