import { afterEach, describe, expect, it, vi } from 'vitest';
import { onEngagement } from '../../../src/capture/onEngagement';
import type { Properties } from '../../../src/types';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  vi.restoreAllMocks();
});

const hidden = (state: 'hidden' | 'visible') => {
  vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state);
  document.dispatchEvent(new Event('visibilitychange'));
};
const transition = (type: string, persisted: boolean) => dispatchEvent(Object.assign(new Event(type), { persisted }));

describe('onEngagement', () => {
  it('reports each hide, one final report when the page is left, and nothing after it until a back/forward restore', () => {
    const reports: Properties[] = [];
    stop = onEngagement((_e, p) => reports.push(p));
    hidden('hidden');
    hidden('visible');
    transition('pagehide', false);
    // Chromium fires visibilitychange after pagehide on a navigation: already reported.
    hidden('hidden');
    transition('pagehide', true);
    expect(reports.map((r) => r.final)).toEqual([false, true]);
    transition('pageshow', true);
    hidden('visible');
    hidden('hidden');
    expect(reports.map((r) => r.final)).toEqual([false, true, false]);
    expect(
      reports.every((r) => typeof r.engaged_ms == 'number' && r.engaged_ms >= 0 && r.path == location.pathname),
    ).toBe(true);
  });
});
