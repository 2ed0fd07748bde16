import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPageView } from '../../../src/capture/onPageView';
import { onRouteChange } from '../../../src/lib/routeChange';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('onPageView', () => {
  it('records the first view and each navigation to a new path once, ignoring hash changes and same-path replaceState', () => {
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
    history.pushState({}, '', '/a?tab=3');
    history.replaceState({}, '', '/b');
    expect(page).toHaveBeenCalledTimes(3);
    expect(ended).toEqual(['/start', '/a']);
    stopRoute();
  });

  describe('what is a page view', () => {
    // Each step: the history call, the URL, and whether it is a page view (with the query option).
    type Step = ['push' | 'replace' | 'pop', string, boolean];
    const run = (steps: Step[], query?: boolean | string[] | string) => {
      history.replaceState({}, '', '/product');
      const page = vi.fn();
      const ended: string[] = [];
      const stopRoute = onRouteChange((path) => ended.push(path));
      const stopPageView = onPageView(page, { query });
      const views = steps.map(([how, url]) => {
        const before = page.mock.calls.length;
        // Back/forward: the browser has set the entry's URL (History's own method, not our wrapper), then popstate fires.
        if (how == 'pop') {
          History.prototype.replaceState.call(history, {}, '', url);
          dispatchEvent(new PopStateEvent('popstate'));
        } else history[how == 'push' ? 'pushState' : 'replaceState']({}, '', url);
        return page.mock.calls.length > before;
      });
      stopPageView();
      stopRoute();
      return { views, ended };
    };

    it("Shopify's variant pick (replaceState ?variant=) is never a page view, whatever the query option", () => {
      const picks: Step[] = [
        ['replace', '/product?variant=1', false],
        ['replace', '/product?variant=2', false],
        ['replace', '/product?variant=2#reviews', false],
        ['replace', '/product', false],
      ];
      for (const query of [undefined, true, ['variant']])
        expect(run(picks, query).views).toEqual([false, false, false, false]);
    });

    it('a push to a new query of the same path is not a page view unless the query names a page', () => {
      const steps: Step[] = [
        ['push', '/product?id_product_attribute=2', false],
        ['push', '/product?id_product_attribute=3', false],
        ['pop', '/product?id_product_attribute=2', false],
        ['push', '/cart', true],
        ['pop', '/product?id_product_attribute=2', true],
      ];
      expect(run(steps).views).toEqual(steps.map((step) => step[2]));
      expect(run(steps, true).views).toEqual([true, true, true, true, true]);
    });

    it('with named parameters only those count: their values, not their order or the other parameters', () => {
      const steps: Step[] = [
        ['push', '/search?q=shoes', true],
        ['push', '/search?q=shoes&sort=price', false],
        ['push', '/search?sort=price&q=shoes&page=2', true],
        ['push', '/search?page=2&q=shoes&utm_source=x', false],
        ['replace', '/search?page=3&q=shoes', false],
        ['push', '/search?page=3&q=shoes', false],
        ['pop', '/search?q=shoes', true],
        ['push', '/search?q=shoes&q=boots', true],
      ];
      expect(run(steps, ['page', 'q']).views).toEqual(steps.map((step) => step[2]));
      // The script tag's attribute gives the names as one comma-separated string.
      expect(run(steps, 'page, q').views).toEqual(steps.map((step) => step[2]));
    });

    it('a page view ends the previous one (route change with its path); a renaming replaceState ends nothing', () => {
      const { ended } = run([
        ['replace', '/product?variant=1', false],
        ['push', '/about', true],
        ['replace', '/about?tab=team', false],
        ['replace', '/team', true],
      ]);
      expect(ended).toEqual(['/product', '/about']);
    });

    it('an option that is no list of names is no names: only the path counts', () => {
      const steps: Step[] = [
        ['push', '/product?a=1', false],
        ['push', '/other', true],
      ];
      for (const query of [5, {}, null, false] as unknown as string[][])
        expect(run(steps, query).views).toEqual([false, true]);
    });
  });

  it('hears back/forward navigations', () => {
    history.replaceState({}, '', '/x');
    const page = vi.fn();
    stop = onPageView(page);
    // As the browser does: the entry's URL is set (History's own method, not our wrapper), then popstate fires.
    History.prototype.replaceState.call(history, {}, '', '/y');
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
