import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_TIMEOUT, touchSession } from '../../src/session';

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
});
