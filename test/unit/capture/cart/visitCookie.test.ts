import { afterEach, describe, expect, it } from 'vitest';
import { parseVisit, shareVisit, visitValue } from '../../../../src/capture/cart/visitCookie';
import { keepInMemory, save, VISITOR } from '../../../../src/lib/storage';

const session = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  index: 2,
  pageCount: 3,
  startedAt: '2026-01-05T10:00:00.000Z',
  last: 1767607500000,
};
const cookie = () => document.cookie.split('; ').find((pair) => pair.startsWith('engagekit_visit='));

afterEach(() => {
  keepInMemory([], []);
  localStorage.clear();
  document.cookie = 'engagekit_visit=; path=/; max-age=0';
});

describe('the engagekit_visit cookie', () => {
  it('holds the anonymous id and the session, read back as they were', () => {
    const value = visitValue({ aid: 'a-1', session });
    expect(value).toBe('a-1.c0ffee00-0000-4000-8000-000000000001.2.3.1767607200000.1767607500000');
    expect(parseVisit(value)).toEqual({ aid: 'a-1', session });
  });

  it('a missing or malformed value is no visit', () => {
    for (const value of [undefined, null, '', 'a-1', 'a-1.s.x.1.2.3', 'a-1.s.1.1.2', '.s.1.1.2.3'])
      expect(parseVisit(value)).toBeUndefined();
  });

  it('shareVisit writes it while the identifiers are stored, and removes it while they are held in memory', () => {
    save('aid', 'a-1');
    save('session', JSON.stringify(session));
    const stop = shareVisit();
    expect(cookie()).toBe('engagekit_visit=' + visitValue({ aid: 'a-1', session }));
    // Consent pending (or a privacy signal, an opt-out): the visit is not shared.
    keepInMemory([], VISITOR);
    document.dispatchEvent(new Event('visibilitychange'));
    // Written empty with max-age=0: browsers delete it (happy-dom keeps it, empty).
    expect(cookie() ?? 'engagekit_visit=').toBe('engagekit_visit=');
    stop();
  });
});
