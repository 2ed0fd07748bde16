import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LAST_SLACK, SESSION_TIMEOUT, touchSession } from '../../src/session';

beforeEach(() => localStorage.clear());

describe('touchSession', () => {
  it('keeps one session while active, counting page views, and announces it once', () => {
    const [a, first] = touchSession(1000, true, SESSION_TIMEOUT, '');
    const [b, again] = touchSession(2000, false, SESSION_TIMEOUT, '');
    const [c] = touchSession(3000, true, SESSION_TIMEOUT, '');
    expect([first, again]).toEqual([true, false]);
    expect(b.id).toBe(a.id);
    expect([a.pageCount, b.pageCount, c.pageCount]).toEqual([1, 1, 2]);
    expect(a.index).toBe(1);
  });

  it('starts the next session after the timeout, and when the campaign changes', () => {
    const [a] = touchSession(0, true, 1000, '');
    const [b, announced] = touchSession(1001, true, 1000, '');
    expect(b.id).not.toBe(a.id);
    expect(b.index).toBe(2);
    expect(announced).toBe(true);
    const [c] = touchSession(1002, true, 1000, '{"source":"ads"}');
    expect(c.index).toBe(3);
    const [d] = touchSession(1003, true, 1000, '{"source":"ads"}');
    const [e] = touchSession(1004, true, 1000, '');
    expect([d.id, e.id]).toEqual([c.id, c.id]); // same campaign, or none: the same session
  });

  it('writes the session on every change but lets the time of last activity lag by under LAST_SLACK', () => {
    const stored = () => JSON.parse(localStorage.getItem('engagekit:v1:session')!);
    touchSession(10_000, true, SESSION_TIMEOUT, '');
    expect(stored().last).toBe(10_000);
    touchSession(10_000 + LAST_SLACK - 1, false, SESSION_TIMEOUT, '');
    expect(stored().last).toBe(10_000);
    // A page view is a change: written at once.
    touchSession(10_000 + LAST_SLACK - 1, true, SESSION_TIMEOUT, '');
    expect(stored()).toMatchObject({ last: 10_000 + LAST_SLACK - 1, pageCount: 2 });
    touchSession(10_000 + 2 * LAST_SLACK, false, SESSION_TIMEOUT, '');
    expect(stored().last).toBe(10_000 + 2 * LAST_SLACK);
    // Timed from the stored activity, a session ends at most LAST_SLACK early, never late.
    const [a] = touchSession(20_000, false, 5000, '');
    const [b] = touchSession(20_000 + LAST_SLACK - 1, false, 5000, '');
    const [c] = touchSession(25_000, false, 5000, '');
    const [d] = touchSession(30_001, false, 5000, '');
    expect(d.id).not.toBe(a.id);
    expect([b.id, c.id]).toEqual([a.id, a.id]);
  });
});

describe('touchSession on a page that replaced JSON.stringify', () => {
  it('stores the session with its own writer, so the visit stays one session', () => {
    vi.spyOn(JSON, 'stringify').mockReturnValue('garbage');
    try {
      const [a] = touchSession(1000, true, SESSION_TIMEOUT, '');
      const [b, announced] = touchSession(2000, true, SESSION_TIMEOUT, '');
      expect(b.id).toBe(a.id);
      expect([b.pageCount, announced]).toEqual([2, false]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(JSON.parse(localStorage.getItem('engagekit:v1:session')!)).toMatchObject({ pageCount: 2, last: 2000 });
  });
});
