import { afterEach, describe, expect, it, vi } from 'vitest';
import { onEngagement } from '../../../src/capture/onEngagement';
import type { Properties } from '../../../src/types';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  vi.restoreAllMocks();
});

const setVisibility = (state: 'hidden' | 'visible') => {
  vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state);
  document.dispatchEvent(new Event('visibilitychange'));
};
const transition = (type: string, persisted: boolean) => dispatchEvent(Object.assign(new Event(type), { persisted }));

describe('onEngagement', () => {
  it('reports each hide, one final report when the page is left, and nothing after it until a back/forward restore', () => {
    const reports: Properties[] = [];
    stop = onEngagement((_event, properties) => reports.push(properties));
    setVisibility('hidden');
    setVisibility('visible');
    transition('pagehide', false);
    // Chromium fires visibilitychange after pagehide on a navigation: already reported.
    setVisibility('hidden');
    transition('pagehide', true);
    expect(reports.map((report) => report.final)).toEqual([false, true]);
    transition('pageshow', true);
    setVisibility('visible');
    setVisibility('hidden');
    expect(reports.map((report) => report.final)).toEqual([false, true, false]);
    expect(
      reports.every(
        (report) => typeof report.engaged_ms == 'number' && report.engaged_ms >= 0 && report.path == location.pathname,
      ),
    ).toBe(true);
  });
});
