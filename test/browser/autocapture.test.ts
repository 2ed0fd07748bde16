/**
 * Automatic capture with nothing but the script tag: page views (single-page apps too), sessions,
 * engagement, forms (started, submitted, abandoned with the last field) and links, in real
 * Chromium. No value typed into a field may reach the collector.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Collector, type Received, named } from './support/collector';
import { Site, otherSite } from './support/site';
import { launch, openTracked } from './support/browser';

const collector = new Collector();
const site = new Site(() => collector.url, { 'flush-interval': '300' });
let elsewhere: Awaited<ReturnType<typeof otherSite>>;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;

const CHECKOUT = `<h1>Checkout</h1>
<form id="checkout" name="checkout" action="/order">
  <input name="email" type="email"><input name="full_name"><input name="address"><input name="city">
  <select name="country"><option>FR</option><option>DE</option></select>
  <input type="hidden" name="token" value="t"><button>Pay</button>
</form><a id="away" href="/elsewhere">leave</a>`;
const SIGNUP = `<form id="signup" action="/thanks"><input name="email" type="email" required><input name="nick"><button id="go">Sign up</button></form>`;
const SPA = `<nav><button id="to-a">A</button><button id="to-b">B</button><button id="same">same</button><button id="rename">rename</button></nav><main id="view"></main>
<script>
  const view = document.getElementById('view');
  function render(path) { view.innerHTML = path === '/spa/a' ? '<form id="quick"><input name="q"><input name="when"></form>' : '<p>' + path + '</p>'; }
  document.getElementById('to-a').onclick = () => { history.pushState({}, '', '/spa/a'); render('/spa/a'); };
  document.getElementById('to-b').onclick = () => { history.pushState({}, '', '/spa/b'); render('/spa/b'); };
  document.getElementById('same').onclick = () => history.replaceState({ x: 1 }, '', location.pathname);
  document.getElementById('rename').onclick = () => history.replaceState({}, '', '/spa/b2');
  addEventListener('popstate', () => render(location.pathname));
</script>`;
// ELSEWHERE: another site served here, a real navigation. With page.route intercepting it instead,
// every request of the page (the hand-off at pagehide too) went through Playwright's interception,
// and the event failed to arrive in about one full run in five.
const LINKS = `<a id="out" href="ELSEWHERE/path?token=secret">out</a> <a id="file" href="/files/report.pdf?sig=abc">pdf</a>
<button id="cta" data-engagekit-event="Signup Clicked" data-engagekit-prop-plan="pro" data-engagekit-prop-billing-cycle="yearly">Sign up</button>`;

// A page whose button keeps the main thread busy for 80 ms: an interaction slow enough for INP.
const VITALS = `<h1>Vitals</h1><p style="font-size:40px">The largest text on the page.</p>
<button id="slow" onclick="const end = performance.now() + 80; while (performance.now() < end);">slow</button>`;

beforeAll(async () => {
  await collector.up();
  Object.assign(site.bodies, {
    '/checkout': CHECKOUT,
    '/signup': SIGNUP,
    '/spa': SPA,
    '/links': LINKS,
    '/vitals': VITALS,
  });
  await site.start();
  elsewhere = await otherSite();
  site.bodies['/links'] = LINKS.replace('ELSEWHERE', elsewhere.url.slice(0, -1));
});
afterAll(async () => {
  await collector.close();
  await site.close();
  await elsewhere.close();
});
beforeEach(async () => {
  collector.reset();
  browser = await launch();
});
afterEach(async () => {
  await browser?.close();
});

type Props = Record<string, unknown>;
const props = (event: string) => collector.stored(named(event)).map((m) => m.properties as Props);
const pages = () => collector.stored((m) => m.type === 'page');
const waitFor = (n: number, f: (m: Received) => boolean) => collector.waitFor(n, f, 20_000);

async function type(page: Page, selector: string, text: string) {
  await page.click(selector);
  await page.keyboard.type(text);
}

describe('automatic capture', () => {
  it('a three-page visit: one session, page views counted, engagement per page view', async () => {
    const page = await openTracked(browser!.context, site.url('/one?utm_source=news&utm_campaign=spring'));
    await page.mouse.wheel(0, 200);
    await page.click('#next');
    // The visitor stays on /next until engagekit has started there (its script is async).
    await page.waitForURL(/\/next$/);
    await page.waitForFunction(() => (window as unknown as { engagekit?: { l?: number } }).engagekit?.l === 1);
    await openTracked(browser!.context, site.url('/two'), page);
    await openTracked(browser!.context, site.url('/three'), page);
    await page.goto(elsewhere.url);
    await waitFor(3, (m) => m.type === 'page');
    await waitFor(4, (m) => m.event === 'Page Engagement' && Boolean((m.properties as Props).final));
    await waitFor(4, (m) => m.type === 'page');
    const views = pages();
    expect(views.map((m) => (m.properties as Props).path)).toEqual(['/one', '/next', '/two', '/three']);
    const sessions = new Set(views.map((m) => m.context.session.id));
    expect(sessions.size).toBe(1);
    expect(views.map((m) => m.context.session.pageCount)).toEqual(views.map((_, i) => i + 1));
    const started = collector.stored(named('Session Started'));
    expect(started).toHaveLength(1);
    expect(started[0].properties).toMatchObject({ landing_path: '/one', source: 'news', name: 'spring' });
    const engagement = props('Page Engagement').filter((p) => p.final);
    expect(engagement.map((p) => p.path)).toEqual(views.map((m) => (m.properties as Props).path));
    for (const p of engagement) {
      expect(p.engaged_ms).toBeGreaterThanOrEqual(0);
      expect(p.scroll_depth).toBeGreaterThan(0);
      expect(p.scroll_depth).toBeLessThanOrEqual(100);
    }
  });

  it('a checkout form abandoned after three fields: started, abandoned with the last field, no typed value sent', async () => {
    const page = await openTracked(browser!.context, site.url('/checkout'));
    await type(page, '[name=email]', 'ada@example.com');
    await type(page, '[name=full_name]', 'Ada Lovelace');
    await type(page, '[name=address]', '12 Secret Lane');
    await page.click('#away');
    await waitFor(1, named('Form Abandoned'));
    const [start] = props('Form Started');
    const [abandoned] = props('Form Abandoned');
    expect(start).toMatchObject({
      form_id: 'checkout',
      form_name: 'checkout',
      action_path: '/order',
      field_count: 5,
      fields_touched: 1,
      last_field: 'email',
    });
    expect(abandoned).toMatchObject({
      form_id: 'checkout',
      field_count: 5,
      fields_touched: 3,
      last_field: 'address',
      invalid_count: 0,
    });
    expect(abandoned.time_ms).toBeGreaterThan(0);
    expect(props('Form Submitted')).toEqual([]);
    const everything = JSON.stringify(collector.requests.map((r) => r.body));
    for (const typed of ['ada@example.com', 'Ada Lovelace', 'Secret Lane', 'ada%40example.com'])
      expect(everything).not.toContain(typed);
  });

  it('a form submitted after a validation error: one submission, the error counted, delivered across the navigation', async () => {
    const page = await openTracked(browser!.context, site.url('/signup'));
    await type(page, '[name=nick]', 'ada');
    await page.click('#go'); // email is required: the browser refuses and fires "invalid"
    await type(page, '[name=email]', 'ada@example.com');
    await page.click('#go');
    await page.waitForURL(/\/thanks/);
    await waitFor(1, named('Form Submitted'));
    expect(props('Form Submitted')).toEqual([
      expect.objectContaining({
        form_id: 'signup',
        action_path: '/thanks',
        fields_touched: 2,
        last_field: 'email',
        invalid_count: 1,
      }),
    ]);
    expect(props('Form Started')).toHaveLength(1);
    expect(props('Form Abandoned')).toEqual([]);
  });

  it('a single-page app: pushState, replaceState with a new path and back each record one page view; the form that disappears is abandoned', async () => {
    const page = await openTracked(browser!.context, site.url('/spa'));
    await page.click('#to-a');
    await type(page, '[name=q]', 'shoes');
    await page.click('#same'); // replaceState to the same path: no page view
    await page.click('#to-b'); // the form is gone, and it is a route change
    await page.click('#rename'); // replaceState to a new path: a page view
    await page.goBack(); // popstate back to /spa/a... from /spa/b2 history entry replaced: back goes to /spa/a
    await waitFor(5, (m) => m.type === 'page');
    await waitFor(1, named('Form Abandoned'));
    expect(pages().map((m) => (m.properties as Props).path)).toEqual(['/spa', '/spa/a', '/spa/b', '/spa/b2', '/spa/a']);
    expect(new Set(pages().map((m) => m.context.session.id)).size).toBe(1);
    expect(props('Form Abandoned')).toEqual([
      expect.objectContaining({ form_id: 'quick', last_field: 'q', fields_touched: 1 }),
    ]);
    const ends = props('Page Engagement')
      .filter((p) => p.final)
      .map((p) => p.path);
    expect(ends.slice(0, 4)).toEqual(['/spa', '/spa/a', '/spa/b', '/spa/b2']);
    expect(JSON.stringify(collector.requests.map((r) => r.body))).not.toContain('shoes');
  });

  it('a session ends after 30 minutes without activity (clock driven, not slept)', async () => {
    await browser!.context.addInitScript(() => {
      const real = Date.now;
      Date.now = () => real() + Number(localStorage.getItem('test-skew') || 0);
    });
    const page = await openTracked(browser!.context, site.url('/early'));
    await waitFor(1, (m) => m.type === 'page');
    await page.evaluate(() => localStorage.setItem('test-skew', String(31 * 60_000)));
    await openTracked(browser!.context, site.url('/late'), page);
    await waitFor(2, (m) => m.type === 'page');
    const [early, late] = pages();
    expect(late.context.session.id).not.toBe(early.context.session.id);
    expect(late.context.session.index).toBe(early.context.session.index + 1);
    expect(late.context.session.pageCount).toBe(1);
    expect(collector.stored(named('Session Started')).map((m) => m.context.session.index)).toEqual([1, 2]);
  });

  it('outbound links, downloads (without their query strings) and declarative events', async () => {
    const page = await openTracked(browser!.context, site.url('/links'));
    await page.click('#cta');
    await page.click('#file', { modifiers: ['Control'] });
    await page.click('#out');
    await waitFor(1, named('Outbound Link Clicked'));
    await waitFor(1, named('Signup Clicked'));
    expect(props('Signup Clicked')).toEqual([{ plan: 'pro', billingCycle: 'yearly' }]);
    expect(props('File Downloaded')).toEqual([{ url: `http://localhost:${site.port}/files/report.pdf` }]);
    expect(props('Outbound Link Clicked')).toEqual([{ url: elsewhere.url + 'path' }]);
  });

  it('Web Vitals: loaded from their own file, sent once with LCP, INP, CLS, FCP and TTFB when the page is left', async () => {
    site.scripts = [];
    const page = await openTracked(browser!.context, site.url('/vitals'));
    await page.waitForFunction(() => 'engagekitWebVitals' in window);
    await page.click('#slow');
    await page.click('#slow');
    await page.goto(elsewhere.url);
    await waitFor(1, named('Web Vitals'));
    expect(site.scripts).toEqual(['/engagekit.min.js', '/engagekit-vitals.min.js']);
    const [v] = props('Web Vitals');
    console.log('web vitals measured:', JSON.stringify(v));
    expect(v).toMatchObject({ path: '/vitals', navigation_type: 'navigate' });
    for (const ms of ['lcp', 'fcp', 'ttfb']) expect(v[ms]).toBeGreaterThanOrEqual(0);
    expect(v.lcp).toBeGreaterThanOrEqual(v.fcp as number);
    expect(v.inp).toBeGreaterThanOrEqual(72); // the 80 ms handler, measured in 8 ms steps
    expect(v.cls).toBeGreaterThanOrEqual(0);
    expect(props('Web Vitals')).toHaveLength(1);
  });

  it('Web Vitals off: data-web-vitals="false" never fetches their file and sends none', async () => {
    site.scripts = [];
    const page = await openTracked(browser!.context, site.url('/vitals', { 'web-vitals': 'false' }));
    await page.click('#slow');
    await page.goto(elsewhere.url);
    await waitFor(1, (m) => m.event === 'Page Engagement' && Boolean((m.properties as Props).final));
    expect(site.scripts).toEqual(['/engagekit.min.js']);
    expect(props('Web Vitals')).toEqual([]);
  });
});
