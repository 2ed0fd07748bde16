import type { SessionContext } from './types';
import { flatJson } from './lib/json';
import { load, loadJson, save } from './lib/storage';
import { uuid } from './lib/uuid';

/**
 * The session as stored in localStorage (`engagekit:v1:session`, JSON). The one-letter fields are
 * part of that storage format: sessions stored by an earlier page load are read back with them.
 */
interface Stored extends SessionContext {
  /** Last activity, ms since the epoch. */
  last: number;
  /** Campaign: the utm_* parameters (as JSON) the session came from; '' when none. */
  c?: string;
  /** Announced: whether `Session Started` has been sent for it. */
  a?: 1;
}

/** A session ends after this long without an event by default (Google Analytics' and Segment's). */
export const SESSION_TIMEOUT = 30 * 60_000;

/** The stored time of last activity may lag this far behind (see touchSession). */
export const LAST_SLACK = 1000;

/** The stored text `lastSession` was read from or written as. */
let lastText: string | undefined;
let lastSession: Stored | undefined;

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
  // Unreadable: start over. Parsed once per stored text: the same text is the same session.
  const text = load('session');
  let stored = text === lastText ? lastSession : loadJson<Stored>('session');
  const isNew =
    !stored ||
    fresh ||
    now - stored.last > timeout ||
    typeof stored.index != 'number' ||
    (campaign && campaign != stored.c);
  if (isNew)
    stored = {
      id: uuid(),
      index: (stored ? +stored!.index : 0) + 1 || 1,
      pageCount: 0,
      startedAt: new Date(now).toISOString(),
      last: now,
      c: campaign,
    };
  stored = stored!;
  // reset() starts a session without an event: its first event will announce it.
  const announce = !stored.a && !fresh;
  if (!fresh) stored.a = 1;
  if (pageView) stored.pageCount++;
  // A localStorage write per event was the largest cost of track() (the writes are synchronous).
  // When only the time of last activity moved, and by under LAST_SLACK, the stored one is left:
  // the session then ends at most that much early, of its 30 minutes.
  if (isNew || announce || pageView || now - stored.last >= LAST_SLACK) {
    stored.last = now;
    // Our own writer: a page may have replaced JSON.stringify (see lib/json.ts).
    save('session', flatJson(stored));
  }
  // Unchanged when not saved (only `a` may be set, as it is already stored once set).
  lastText = load('session');
  lastSession = stored;
  return [{ id: stored.id, index: stored.index, pageCount: stored.pageCount, startedAt: stored.startedAt }, announce];
}
