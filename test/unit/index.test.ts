/**
 * Every npm export (src/index.ts) and every tracker method, called with hostile arguments in each
 * place: nothing throws into the page, a returned promise never rejects, each problem is one
 * console warning, and afterwards the page and engagekit both still work. The script tag's API is
 * put through the same table in script.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import * as engagekit from '../../src/index';
import type { Config, Properties, Tracker } from '../../src/types';
import { fakeCollector, freshDb, ongoingSession } from './support/fakeCollector';
import { hostileArguments } from './support/hostile';

type Call = [name: string, call: (value: unknown) => unknown];

let col: ReturnType<typeof fakeCollector>;
let warn: MockInstance<typeof console.warn>;
let error: MockInstance<typeof console.error>;
const stops: (() => void)[] = [];
const trackers: Tracker[] = [];
const config = (): Config => ({
  endpoint: 'https://collector.test/v1/batch',
  dbName: freshDb(),
  compress: false,
  flushInterval: 600_000,
});

// What the page has before engagekit wraps anything, put back after each test.
const pageHistory = { pushState: history.pushState, replaceState: history.replaceState };
const xhrPrototype = XMLHttpRequest.prototype;
const pageXhr = { open: xhrPrototype.open, send: xhrPrototype.send };
const pageSubmit = HTMLFormElement.prototype.submit;

beforeEach(() => {
  col = fakeCollector();
  ongoingSession();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  error = vi.spyOn(console, 'error');
  // XMLHttpRequest makes no request: send() ends it with a 200 a task later, as a browser would.
  xhrPrototype.open = function () {} as typeof xhrPrototype.open;
  xhrPrototype.send = function (this: XMLHttpRequest) {
    setTimeout(() => {
      Object.defineProperty(this, 'status', { value: 200, configurable: true });
      this.dispatchEvent(new ProgressEvent('loadend'));
    });
  };
  document.body.innerHTML = `<form id="f" action="http://["><input name="email"></form>
    <a id="out" href="https://elsewhere.example/page">out</a><a id="file" href="/guide.pdf">pdf</a>
    <button data-engagekit-event="Signup" data-engagekit-prop-plan="pro">sign up</button>`;
  // Links are not followed, nor forms posted: happy-dom would leave the test's document.
  window.addEventListener('click', noNavigation, true);
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const tracker of trackers.splice(0)) tracker.stop();
  engagekit.init({ dbName: freshDb() }).stop();
  Object.assign(history, pageHistory);
  Object.assign(xhrPrototype, pageXhr);
  HTMLFormElement.prototype.submit = pageSubmit;
  window.removeEventListener('click', noNavigation, true);
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
const noNavigation = (event: Event) => event.preventDefault();

/** Each entry point with the hostile value in one of its places (the others valid). */
function entryPoints(tracker: Tracker): Call[] {
  const track = (event: string, properties: Properties) => tracker.track(event, properties);
  const keep = <Result>(result: Result) => {
    if (typeof result == 'function') stops.push(result as () => void);
    return result;
  };
  return [
    ['init(config)', (value) => trackers.push(engagekit.init(value as Config))],
    ['createTracker(config)', (value) => trackers.push(engagekit.createTracker(value as Config))],
    ['track(event)', (value) => engagekit.track(value as string)],
    ['track(event, properties)', (value) => engagekit.track('Hostile', value as Properties)],
    ['page(properties)', (value) => engagekit.page(value as Properties)],
    ['identify(userId)', (value) => engagekit.identify(value as string)],
    ['identify(userId, traits)', (value) => engagekit.identify('user-1', value as Properties)],
    ['flush()', (value) => (engagekit.flush as (value: unknown) => unknown)(value)],
    ['reset()', (value) => (engagekit.reset as (value: unknown) => unknown)(value)],
    ['optIn()', (value) => (engagekit.optIn as (value: unknown) => unknown)(value)],
    ['cart.add(item)', (value) => engagekit.cart.add(value as Properties)],
    ['checkout.start(properties)', (value) => engagekit.checkout.start(value as Properties)],
    ['order.complete(properties)', (value) => engagekit.order.complete(value as Properties)],
    ['autocapture(tracker)', (value) => keep(engagekit.autocapture(value as Tracker))],
    ['autocapture(tracker, options)', (value) => keep(engagekit.autocapture(tracker, value as object))],
    ['onPageView(page)', (value) => keep(engagekit.onPageView(value as () => void))],
    ['onEngagement(track)', (value) => keep(engagekit.onEngagement(value as typeof track))],
    ['onForms(track)', (value) => keep(engagekit.onForms(value as typeof track))],
    ['onForms(track, options)', (value) => keep(engagekit.onForms(track, value as object))],
    ['onLinks(track)', (value) => keep(engagekit.onLinks(value as typeof track))],
    ['onWebVitals(track)', (value) => keep(engagekit.onWebVitals(value as typeof track, async () => ({}) as never))],
    ['onWebVitals(track, load)', (value) => keep(engagekit.onWebVitals(track, value as () => never))],
    ['onCartAdds(add)', (value) => keep(engagekit.onCartAdds(value as typeof track))],
    ['onCartAdds(add, platforms)', (value) => keep(engagekit.onCartAdds(vi.fn(), value as []))],
    ['checkoutPage(href)', (value) => engagekit.checkoutPage(value as string)],
    ['tracker.track(event)', (value) => tracker.track(value as string)],
    ['tracker.track(event, properties)', (value) => tracker.track('Hostile', value as Properties)],
    ['tracker.page(properties)', (value) => tracker.page(value as Properties)],
    ['tracker.identify(userId)', (value) => tracker.identify(value as string)],
    ['tracker.identify(userId, traits)', (value) => tracker.identify('user-1', value as Properties)],
    ['tracker.consent(state)', (value) => tracker.consent(value as 'granted')],
    ['tracker.flush()', (value) => (tracker.flush as (value: unknown) => unknown)(value)],
  ];
}

/** What a page does, which runs every listener and wrapper the captures installed. */
async function usePage() {
  const form = document.querySelector<HTMLFormElement>('#f')!;
  const field = form.querySelector('input')!;
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.dispatchEvent(new Event('change', { bubbles: true }));
  history.pushState({}, '', '/hostile-' + Math.random().toString(36).slice(2));
  history.replaceState({}, '', location.pathname + '?step=2');
  dispatchEvent(new PopStateEvent('popstate'));
  for (const selector of ['#out', '#file', 'button']) document.querySelector<HTMLElement>(selector)!.click();
  form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  form.submit();
  dispatchEvent(new Event('scroll'));
  dispatchEvent(new Event('focus'));
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/cart/add.js');
  xhr.send(JSON.stringify({ id: 4001, quantity: 1 }));
  await fetch('/cart/add.js', { method: 'POST', body: '{"batch":[]}', headers: {} });
  await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('npm exports and tracker methods with hostile arguments', () => {
  it(
    'never throw, never reject, warn once per problem, and leave the page and engagekit working',
    { timeout: 60_000 },
    async () => {
      const tracker = engagekit.init(config());
      trackers.push(tracker);
      let calls = 0;
      for (const [name, call] of entryPoints(tracker)) {
        for (const [valueName, value] of hostileArguments()) {
          let result: unknown;
          expect(() => (result = call(value)), `${name} with ${valueName}`).not.toThrow();
          if (result instanceof Promise)
            await expect(result, `${name} with ${valueName}`).resolves.toBeTypeOf('boolean');
          calls++;
        }
        // The listeners and wrappers started with hostile callbacks, in the page's own calls and events.
        await expect(usePage(), 'the page after ' + name).resolves.toBeUndefined();
      }
      expect(calls).toBeGreaterThan(800);

      const said = warn.mock.calls.map((call) => String(call[0]));
      expect(said.every((text) => text.startsWith('engagekit: ') && text.length <= 320)).toBe(true);
      expect(new Set(said).size).toBe(said.length);
      expect(error).not.toHaveBeenCalled();
      // Named problems, each said once.
      for (const expected of [
        'engagekit: track() dropped: the event name must be a non-empty string',
        'engagekit: identify() dropped: the user id must be a non-empty string',
        'engagekit: properties dropped: not an object',
        'engagekit: autocapture() needs a tracker: nothing captured',
      ]) {
        expect(said).toContain(expected);
      }

      // Everything stopped: the page's functions are its own again, and still work.
      for (const stop of stops.splice(0)) stop();
      expect(history.pushState).toBe(pageHistory.pushState);
      expect(HTMLFormElement.prototype.submit).toBe(pageSubmit);
      expect(window.fetch).toBe(col.fetch);
      // And engagekit too: a tracker made now records and delivers.
      col.requests.length = col.acked.length = 0;
      trackers.push(engagekit.init(config()));
      engagekit.track('Still Works', { n: 1 });
      expect(await engagekit.flush()).toBe(true);
      expect(col.events()).toEqual(['Still Works']);
    },
  );

  it('the known cases: a BigInt product id, a started form with no URL for action, Object.prototype names', async () => {
    trackers.push(engagekit.init(config()));
    expect(() => engagekit.cart.add({ product_id: 10n })).not.toThrow();
    expect(() => engagekit.track(Symbol() as unknown as string)).not.toThrow();
    expect(() => engagekit.identify({} as string)).not.toThrow();
    expect(() => engagekit.init('nonsense' as Config)).not.toThrow();
    trackers.push(engagekit.init(config()));
    const stopCapture = engagekit.autocapture(trackers.at(-1)!, { webVitals: false });
    stops.push(stopCapture);
    document.querySelector('#f input')!.dispatchEvent(new Event('input', { bubbles: true }));
    expect(() => history.pushState({}, '', '/after-form')).not.toThrow();
    expect(location.pathname).toBe('/after-form');
    engagekit.cart.add({ product_id: 11n, quantity: 1 });
    expect(await engagekit.flush()).toBe(true);
    const tracked = col.acked.filter((message) => message.type == 'track' && message.event != 'Page Engagement');
    expect(
      tracked.map((message) => [message.event, message.properties.product_id ?? message.properties.action_path]),
    ).toEqual([
      ['Form Started', ''],
      ['Form Abandoned', ''],
      ['Product Added', undefined],
    ]);
    expect(tracked[2].properties).toEqual({ quantity: 1, source: 'api' });
  });

  it('outside a browser page (no document: server-side rendering) every export is a silent no-op', async () => {
    vi.stubGlobal('document', undefined);
    const broadcastChannel = vi.fn();
    vi.stubGlobal('BroadcastChannel', broadcastChannel);
    const pushState = history.pushState;
    const tracker = engagekit.init(config());
    trackers.push(tracker);
    const stopCaptures = engagekit.autocapture(tracker);
    engagekit.track('Server Side');
    engagekit.page();
    engagekit.identify('user-1');
    engagekit.cart.add({ product_id: 'A' });
    const stopForms = engagekit.onForms(() => undefined);
    expect(await engagekit.flush()).toBe(true);
    expect(await engagekit.createTracker(config()).flush()).toBe(true);
    stopCaptures();
    stopForms();
    vi.unstubAllGlobals();
    expect(history.pushState).toBe(pushState);
    expect(broadcastChannel).not.toHaveBeenCalled();
    expect(col.fetch).not.toHaveBeenCalled();
    expect(localStorage.getItem('engagekit:v1:cart')).toBeNull();
    expect(warn).not.toHaveBeenCalled();
  });
});
