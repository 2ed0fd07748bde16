import type { SessionContext } from './types';
import { load, save } from './lib/storage';
import { uuid } from './lib/uuid';

interface Stored extends SessionContext {
  /** Last activity, ms since the epoch. */
  last: number;
}

/** A session ends after this long without an event (Google Analytics' and Segment's default). */
export const SESSION_TIMEOUT = 30 * 60_000;

/**
 * The current session, kept in localStorage so every tab of the site shares it: a tab that stays
 * idle does not end a session another tab keeps alive, because any tab's activity moves `last`.
 * Starts a new one (index + 1) after `SESSION_TIMEOUT` without activity, or when `fresh` is true.
 * `pageView` counts a page view in it.
 */
export function touchSession(now: number, pageView: boolean, fresh = false): SessionContext {
  let s: Stored | undefined;
  try {
    s = JSON.parse(load('session') || 'null');
  } catch {
    // unreadable: start over
  }
  if (!s || fresh || now - s.last > SESSION_TIMEOUT || typeof s.index != 'number') {
    s = { id: uuid(), index: (s ? +s.index : 0) + 1 || 1, pageCount: 0, startedAt: new Date(now).toISOString(), last: now };
  }
  if (pageView) s!.pageCount++;
  s!.last = now;
  save('session', JSON.stringify(s));
  return { id: s!.id, index: s!.index, pageCount: s!.pageCount, startedAt: s!.startedAt };
}
