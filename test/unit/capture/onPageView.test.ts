import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPageView } from '../../../src/capture/onPageView';
import { onRouteChange } from '../../../src/lib/routeChange';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('onPageView', () => {
  it('records the first view and each navigation once, ignoring hash changes and same-URL replaceState', () => {
    history.replaceState({}, '', '/start');
    const page = vi.fn();
    const ended: string[] = [];
    const stopRoute = onRouteChange((path) => ended.push(path));
    stop = onPageView(page);
    expect(page).toHaveBeenCalledTimes(1);
    history.pushState({}, '', '/a');
    history.replaceState({ s: 1 }, '', '/a');
    history.pushState({}, '', '/a#section');
    history.replaceState({}, '', '/a?tab=2');
    history.pushState({}, '', '/a?tab=2');
    expect(page).toHaveBeenCalledTimes(3);
    expect(ended).toEqual(['/start', '/a']);
    stopRoute();
  });

  it('hears back/forward navigations', () => {
    history.replaceState({}, '', '/x');
    const page = vi.fn();
    stop = onPageView(page);
    history.replaceState({}, '', '/y'); // as if the browser went there
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(page).toHaveBeenCalledTimes(2);
  });

  it('gives history back when stopped', () => {
    const originalPushState = history.pushState;
    const stopPageView = onPageView(() => undefined);
    expect(history.pushState).not.toBe(originalPushState);
    stopPageView();
    expect(history.pushState).toBe(originalPushState);
  });

  it('waits until a prerendered page is shown', () => {
    Object.defineProperty(document, 'prerendering', { value: true, configurable: true });
    const page = vi.fn();
    stop = onPageView(page);
    expect(page).not.toHaveBeenCalled();
    Object.defineProperty(document, 'prerendering', { value: false, configurable: true });
    document.dispatchEvent(new Event('prerenderingchange'));
    expect(page).toHaveBeenCalledTimes(1);
  });

  it('views a page again when it is restored from the back/forward cache, not on an ordinary pageshow', () => {
    const page = vi.fn();
    stop = onPageView(page);
    dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
    expect(page).toHaveBeenCalledTimes(1);
    dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(page).toHaveBeenCalledTimes(2);
  });
});
