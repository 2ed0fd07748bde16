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

  it.each(['pushState', 'replaceState'] as const)(
    'stop() leaves a %s wrapper another script put over ours, which keeps working, and records nothing more',
    (method) => {
      history.replaceState({}, '', '/start');
      const found = history[method];
      const page = vi.fn();
      const stopPageView = onPageView(page);
      const ours = history[method];
      const theirs = vi.fn(function (this: History, ...args: Parameters<History['pushState']>) {
        return ours.apply(this, args);
      });
      history[method] = theirs;
      history[method]({}, '', '/before-stop');
      expect(page).toHaveBeenCalledTimes(2);
      stopPageView();
      expect(history[method]).toBe(theirs);
      history[method]({}, '', '/after-stop');
      expect(location.pathname).toBe('/after-stop');
      expect(theirs).toHaveBeenCalledTimes(2);
      expect(page).toHaveBeenCalledTimes(2);
      history[method] = found;
    },
  );

  it("the page's pushState completes and returns as without us when what runs on a route change throws", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    history.replaceState({}, '', '/one');
    const heard: string[] = [];
    const stopFailing = onRouteChange(() => {
      throw new Error('a route listener failed');
    });
    const stopHeard = onRouteChange((path) => heard.push(path));
    const page = vi.fn(() => {
      throw new Error('page() failed');
    });
    stop = onPageView(page);
    expect(history.pushState({}, '', '/two')).toBeUndefined();
    expect(location.pathname).toBe('/two');
    // The other listener still heard it, and page() was still asked for.
    expect(heard).toEqual(['/one']);
    expect(page).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      'engagekit: internal error: Error: page() failed',
      'engagekit: internal error: Error: a route listener failed',
    ]);
    // The page's own exception is still its own.
    expect(() => history.pushState({}, '', 'https://elsewhere.example/')).toThrow();
    stopFailing();
    stopHeard();
    warn.mockRestore();
  });

  it('outside a browser page it does nothing', () => {
    vi.stubGlobal('document', undefined);
    const page = vi.fn();
    const pushState = history.pushState;
    const stopPageView = onPageView(page);
    vi.unstubAllGlobals();
    expect(page).not.toHaveBeenCalled();
    expect(history.pushState).toBe(pushState);
    expect(() => stopPageView()).not.toThrow();
  });
});
