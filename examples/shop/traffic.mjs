// `npm run demo:traffic`: realistic visits to the demo store in headless Chromium, so the
// engagement report has something to show. Every visitor gets a fresh browser profile (a new
// anonymous id) and a persona: bouncers, browsers, cart abandoners, checkout abandoners, buyers,
// newsletter sign-ups, single-page-app visitors, returning visitors and regular customers who come
// back and buy again over the weeks, arriving directly, from search and social referrers or from
// utm campaigns. Randomness is seeded (--seed), so a run can be repeated.
//
//   node examples/shop/traffic.mjs [--visits 40] [--shop http://127.0.0.1:4321] [--seed 1]
//                                  [--concurrency 2] [--max-minutes 20]
//
// Time is simulated, not slept: an init script replaces `Date` with a clock the script moves
// forward while a visitor "reads" (engaged time, form time_ms) and between a returning
// visitor's sessions (past engagekit's 30-minute session timeout). Visits are spread over the
// last 13 weeks of simulated time (a regular customer's over up to 12 of them), so the report's
// retention cohorts fill: each browser's clock starts in the past, and its proxy (below) takes
// `sentAt` out of the batches, so the collector keeps their capture times as it does for an
// import of past events, instead of correcting them to its own clock. Each browser talks to the
// shop and the collector through a small local proxy that lets nothing else out and tells when
// the batches a visitor sent on leaving have been answered, so a browser is never closed with
// events still in flight.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { PRODUCTS } from './catalog.mjs';
import { COUNTRIES } from './views.mjs';
import { ARTICLES } from './content.mjs';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {{ referrer?: string, utm?: Record<string, string> }} Source  where a visit comes from */
/** @typedef {{ handle: string, size?: string, quantity?: number }} Item  a product to add (size S/M/L for garments) */
/** @typedef {{ email: string, full_name: string, address: string, city: string, country: string, card_name: string, card_number: string, expiry: string }} Customer */

export const DEFAULT_SHOP = process.env.SHOP_URL || 'http://127.0.0.1:4321';
/** The flags of every browser the demo starts: headless, no network chatter of its own (as the browser tests). */
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The fields of the two checkout steps, in the order a visitor fills them. */
export const CONTACT_FIELDS = ['email', 'full_name', 'address', 'city', 'country'];
export const PAYMENT_FIELDS = ['card_name', 'card_number', 'expiry'];
const SESSION_TIMEOUT_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
/** How far back a run spreads its visits: 13 weeks, the retention table's week 0 to week 12. */
export const SPREAD_DAYS = 91;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/**
 * A small seeded generator (mulberry32 over a hash of the seed): the same seed gives the same visits.
 * @param {string | number} seed
 */
export function random(seed) {
  let a = 2166136261;
  for (const ch of String(seed)) a = Math.imul(a ^ ch.charCodeAt(0), 16777619);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    /** @param {number} min @param {number} max whole number in [min, max] */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** @template T @param {readonly T[]} list @returns {T} */
    pick: (list) => list[Math.floor(next() * list.length)],
    /** @param {number} p */
    chance: (p) => next() < p,
    /** @template T @param {readonly [T, number][]} weighted @returns {T} */
    weighted(weighted) {
      let x = next() * weighted.reduce((s, [, w]) => s + w, 0);
      for (const [v, w] of weighted) if ((x -= w) < 0) return v;
      return weighted[weighted.length - 1][0];
    },
    /** @template T @param {readonly T[]} list @param {number} n @returns {T[]} n distinct elements */
    sample(list, n) {
      const copy = [...list];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy.slice(0, n);
    },
  };
  return r;
}
/** @typedef {ReturnType<typeof random>} Random */

// ---------------------------------------------------------------------------------------------
// Simulated time

const CLOCK_KEY = 'demo-traffic-clock';

/**
 * Runs in every page before its own scripts: `Date` (and so `Date.now()`, which engagekit reads)
 * runs off the real clock by a skew kept in the site's localStorage, so it survives page loads;
 * `initialSkew` until one is kept (a browser whose clock starts in the past). `__advanceClock(ms)`
 * moves it on. Timers are left alone: nothing waits for real.
 * @param {{ key: string, initialSkew: number }} o
 */
function installClockInPage({ key, initialSkew }) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  let skew = initialSkew;
  try {
    const kept = localStorage.getItem(key);
    if (kept == null) localStorage.setItem(key, String(skew));
    else skew = Number(kept) || 0;
  } catch {
    // about:blank and other opaque origins have no storage: real time there
  }
  const now = () => realNow() + skew;
  /** @this {unknown} @param {any[]} args */
  function SimulatedDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    // @ts-expect-error spreading arguments into Date is fine at run time
    return args.length ? new RealDate(...args) : new RealDate(now());
  }
  SimulatedDate.prototype = RealDate.prototype;
  SimulatedDate.now = now;
  SimulatedDate.parse = RealDate.parse;
  SimulatedDate.UTC = RealDate.UTC;
  // @ts-expect-error replacing the global on purpose
  globalThis.Date = SimulatedDate;
  Object.defineProperty(globalThis, '__advanceClock', {
    value: (/** @type {number} */ ms) => {
      skew += ms;
      try {
        localStorage.setItem(key, String(skew));
      } catch {
        // see above
      }
    },
  });
}

/**
 * Make every page of the context run on the simulated clock, starting at `startAt` (ms since the
 * epoch; default: now).
 * @param {BrowserContext} context @param {number} [startAt]
 */
export const installClock = (context, startAt) =>
  context.addInitScript(installClockInPage, {
    key: CLOCK_KEY,
    initialSkew: startAt === undefined ? 0 : startAt - Date.now(),
  });

/**
 * Move the page's simulated clock on by `ms`; without the clock installed (a test's browser),
 * nothing happens and the visit simply goes on at real speed.
 * @param {Page} page @param {number} ms
 */
export async function advanceClock(page, ms) {
  await page.evaluate(([key, ms]) => {
    const g = /** @type {any} */ (globalThis);
    if (g.__advanceClock) return g.__advanceClock(ms);
    // A page without the init script (robots.txt between two sessions) still moves the stored skew.
    if (localStorage.getItem(key) != null) localStorage.setItem(key, String(Number(localStorage.getItem(key)) + ms));
  }, /** @type {[string, number]} */ ([CLOCK_KEY, ms]));
}

/**
 * Spend `seconds` on the page like a reader: the clock moves on in steps, the pointer moves and the
 * page scrolls down to `depth` (0–1 of the page). engagekit counts engaged time from the input
 * and reports the deepest scroll.
 * @param {Page} page @param {number} seconds @param {number} [depth]
 */
export async function read(page, seconds, depth = 0.5) {
  const steps = Math.max(1, Math.round(seconds / 4));
  for (let i = 1; i <= steps; i++) {
    await advanceClock(page, (seconds * 1000) / steps);
    await page.mouse.move(200 + 40 * i, 300 + 25 * (i % 5));
    await page.evaluate(
      (f) => scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f),
      (depth * i) / steps,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Delivery watch: the proxy between a browser and the world

/**
 * A batch body without its `sentAt`, as plain JSON; undefined when it is not a JSON batch (sent
 * on unchanged, for the collector to answer).
 * @param {Buffer} raw @param {string | string[] | undefined} encoding
 */
function withoutSentAt(raw, encoding) {
  try {
    const json = JSON.parse((encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
    if (!json || typeof json !== 'object' || !('sentAt' in json)) return undefined;
    delete json.sentAt;
    return Buffer.from(JSON.stringify(json));
  } catch {
    return undefined;
  }
}

/**
 * A forward proxy for one browser: it passes requests to the shop and the collector, refuses
 * everything else (Chromium's own background requests), and counts the collector's requests in
 * flight, so `settled()` knows when the batches sent by a page being left (keepalive requests,
 * invisible to DevTools once the page is gone) have been answered. With `backdate`, batches to
 * the collector lose their `sentAt` on the way (see the top of this file): the browser's
 * simulated past times are stored as they are.
 *
 * @param {{ shop: string, collector: string, backdate?: boolean }} origins
 */
export async function deliveryWatch({ shop, collector, backdate = false }) {
  let inFlight = 0;
  let started = 0;
  const stats = { batches: 0, events: 0, rejected: 0 };
  const server = http.createServer((req, res) => {
    let target;
    try {
      target = new URL(req.url || '');
    } catch {
      return res.writeHead(400).end();
    }
    const toCollector = target.origin === collector;
    if (!toCollector && target.origin !== shop) return res.writeHead(403).end();
    if (toCollector) {
      started++;
      inFlight++;
      res.once('close', () => inFlight--);
    }
    const headers = { ...req.headers };
    for (const h of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete headers[h];
    /** @type {Buffer[]} */
    const body = [];
    if (toCollector) req.on('data', (c) => body.push(c));
    /** @param {Buffer} [sent] */
    const forward = (sent) => {
      const up = http.request(target, { method: req.method, headers }, (r) => {
        res.writeHead(r.statusCode || 502, r.headers);
        r.pipe(res);
        if (toCollector && req.method === 'POST')
          r.once('end', () => count(r.statusCode || 0, sent ?? Buffer.concat(body), headers['content-encoding']));
      });
      up.on('error', () => res.destroy());
      if (sent) up.end(sent);
      else req.pipe(up);
    };
    if (!(backdate && toCollector && req.method === 'POST')) return forward();
    req.once('end', () => {
      const sent = withoutSentAt(Buffer.concat(body), headers['content-encoding']);
      if (sent) {
        delete headers['content-encoding'];
        headers['content-length'] = String(sent.length);
      }
      forward(sent ?? Buffer.concat(body));
    });
  });
  /** @param {number} status @param {Buffer} raw @param {string | string[] | undefined} encoding */
  const count = (status, raw, encoding) => {
    if (status < 200 || status > 299) return void stats.rejected++;
    try {
      const batch = JSON.parse((encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')).batch;
      stats.batches++;
      stats.events += Array.isArray(batch) ? batch.length : 0;
    } catch {
      // not a batch we can read; the collector answered it, that is what matters
    }
  };
  // HTTPS would be tunnelled (CONNECT) and could not be watched: nothing here uses it.
  server.on('connect', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    stats,
    /** A mark to pass to `settled`: how many collector requests had started. */
    mark: () => started,
    /**
     * Resolves true once a collector request has started since `mark` and none is in flight
     * (every page being left sends at least its final Page Engagement); false after `timeout` ms.
     * @param {number} mark
     */
    async settled(mark, timeout = 5000) {
      const end = Date.now() + timeout;
      while (Date.now() < end) {
        if (started > mark && inFlight === 0) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}
/** @typedef {Awaited<ReturnType<typeof deliveryWatch>>} DeliveryWatch */

/** The watch of a page's browser, when the traffic runner made it. @type {WeakMap<Page, DeliveryWatch>} */
const watches = new WeakMap();
/** Leaves whose batches were not confirmed in time (the run's summary reports them). */
let unconfirmedLeaves = 0;

// ---------------------------------------------------------------------------------------------
// Steps of a visit

/**
 * Arrive at `path` of the shop: with the campaign's utm_* parameters in the URL and the
 * referrer's Referer, as a visitor coming from a search result, a post or a newsletter would.
 * @param {Page} page @param {string} shopUrl @param {string} path @param {Source} [from]
 */
export async function land(page, shopUrl, path = '/', from = {}) {
  const url = new URL(path, shopUrl);
  for (const [k, v] of Object.entries(from.utm || {})) url.searchParams.set(`utm_${k}`, v);
  await page.goto(url.href, { referer: from.referrer });
}

/**
 * Go to `path` the way a visitor would: through a link on the page to it when there is one
 * (header, cards, breadcrumbs), else by typing the address.
 * @param {Page} page @param {string} shopUrl @param {string} path
 */
export async function go(page, shopUrl, path) {
  // Already there (landed on the product about to be added): no reload, no second page view.
  if (new URL(page.url()).pathname === path) return;
  const link = page.locator(`a[href="${path}"]:visible`).first();
  if (await link.count()) {
    await link.click();
    await page.waitForURL((u) => u.pathname === path.split('?')[0]);
    await page.waitForLoadState('load');
  } else await page.goto(new URL(path, shopUrl).href);
}

/**
 * Leave the store: the tab goes to about:blank (or, with `via`, the visitor clicks that link out,
 * to Instagram say). engagekit sends what is left (final Page Engagement, abandoned forms) as the
 * page goes; in a traffic run this waits until the collector has answered those requests.
 * @param {Page} page @param {{ via?: string }} [how]
 */
export async function leave(page, how = {}) {
  const watch = watches.get(page);
  const mark = watch?.mark() ?? 0;
  if (how.via) {
    await page.click(how.via);
    await page.waitForURL((u) => u.protocol === 'https:');
  } else await page.goto('about:blank');
  if (watch && !(await watch.settled(mark))) unconfirmedLeaves++;
}

/**
 * On a product page: choose the size, set the quantity and add to cart. The theme posts to
 * /cart/add.js and stays on the page; this waits for its "Added" notice.
 * @param {Page} page @param {Item} item
 */
export async function addToCart(page, item) {
  if (item.size) await page.click(`.sizes label:has(input[value="${item.size}"])`);
  if (item.quantity && item.quantity !== 1) {
    await page.click('input[name=quantity]');
    await page.fill('input[name=quantity]', '');
    await page.keyboard.type(String(item.quantity));
  }
  await page.click('#product-form button[type=submit]');
  await page.waitForSelector('[data-cart-notice][data-state=added], [data-cart-notice][data-state=error]');
  if ((await page.getAttribute('[data-cart-notice]', 'data-state')) !== 'added')
    throw new Error(`adding ${item.handle} failed: ${await page.textContent('[data-cart-notice]')}`);
}

/** Visit each item's product page (from the listing when possible) and add it. @param {Page} page @param {string} shopUrl @param {Item[]} items */
export async function addItems(page, shopUrl, items, readSeconds = 6) {
  for (const item of items) {
    await go(page, shopUrl, `/products/${item.handle}`);
    await read(page, readSeconds, 0.4);
    await addToCart(page, item);
  }
}

/**
 * Fill the named checkout fields in order, typing like a person (the country is chosen). engagekit
 * sees which fields were touched, never what was typed.
 * @param {Page} page @param {string[]} names @param {Customer} customer
 */
export async function fillFields(page, names, customer) {
  for (const name of names) {
    const value = customer[/** @type {keyof Customer} */ (name)];
    if (name === 'country') {
      // Focus first, as a person opening the list does: the field left behind fires its
      // `change` now, not later at the submit (which would make it the last field touched).
      await page.focus('select[name=country]');
      await page.selectOption('select[name=country]', value);
    } else {
      await page.click(`[name="${name}"]`);
      await page.keyboard.type(value);
    }
    await advanceClock(page, 2500 + value.length * 250);
  }
}

/** Checkout from the cart page: step 1, then step 2, then the thank-you page; returns the order number. @param {Page} page @param {Customer} customer */
async function checkOut(page, customer) {
  await page.click('#checkout-link');
  await page.waitForURL((u) => u.pathname === '/checkout');
  await fillFields(page, CONTACT_FIELDS, customer);
  await page.click('#checkout-contact button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/checkout/payment');
  await fillFields(page, PAYMENT_FIELDS, customer);
  await page.click('#checkout-payment button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/checkout/thank-you');
  return (await page.textContent('[data-order-number]')) || '';
}

/** A made-up customer: nothing typed here may ever reach the collector. @param {Random} rng */
export function makeCustomer(rng = random('customer')) {
  const first = rng.pick([
    'Ada',
    'Linus',
    'Grace',
    'Marie',
    'Alan',
    'Hedy',
    'Tim',
    'Katherine',
    'Niklaus',
    'Barbara',
    'Edsger',
    'Frances',
  ]);
  const last = rng.pick([
    'Lovelace',
    'Hopper',
    'Curie',
    'Turing',
    'Lamarr',
    'Berners',
    'Johnson',
    'Wirth',
    'Liskov',
    'Dijkstra',
    'Allen',
    'Meitner',
  ]);
  const year = new Date().getFullYear() + rng.int(1, 4);
  return {
    email: `${first}.${last}${rng.int(1, 99)}@example.com`.toLowerCase(),
    full_name: `${first} ${last}`,
    address: `${rng.int(1, 180)} ${rng.pick(['Harbour Street', 'Rue des Pins', 'Lindenallee', 'Via del Porto', 'Kade', 'Calle Mayor'])}`,
    city: rng.pick(['Lyon', 'Ghent', 'Bremen', 'Porto', 'Bologna', 'Utrecht', 'Galway', 'Valencia']),
    country: rng.pick(COUNTRIES),
    card_name: `${first} ${last}`,
    card_number: '4242 4242 4242 4242',
    expiry: `${String(rng.int(1, 12)).padStart(2, '0')}/${String(year % 100).padStart(2, '0')}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Personas: each is one whole visit, ending with the visitor leaving

/**
 * A bounce: one page, a short look, gone.
 * @param {Page} page @param {string} shopUrl @param {{ path?: string, from?: Source, seconds?: number }} [o]
 */
export async function bounce(page, shopUrl, { path = '/', from, seconds = 4 } = {}) {
  await land(page, shopUrl, path, from);
  await read(page, seconds, 0.2);
  await leave(page);
}

/**
 * A browser: several pages (products, the journal, about), reading and scrolling, sometimes the
 * size guide downloaded, sometimes leaving through the Instagram link.
 * @param {Page} page @param {string} shopUrl
 * @param {{ paths?: string[], from?: Source, seconds?: number, download?: boolean, outbound?: boolean }} [o]
 */
export async function browse(
  page,
  shopUrl,
  { paths = ['/', '/products/t-shirt', '/blogs/journal'], from, seconds = 12, download = false, outbound = false } = {},
) {
  await land(page, shopUrl, paths[0], from);
  await read(page, seconds, 0.8);
  for (const path of paths.slice(1)) {
    await go(page, shopUrl, path);
    await read(page, seconds, path.startsWith('/blogs/journal/') ? 1 : 0.7);
  }
  if (download && (await page.locator('a[href="/files/size-guide.pdf"]').count())) {
    const done = page.waitForEvent('download', { timeout: 5000 }).catch(() => undefined);
    await page.click('a[href="/files/size-guide.pdf"]');
    await done;
  }
  await leave(page, outbound ? { via: 'a[href^="https://www.instagram.com/"]' } : {});
}

/**
 * A cart abandoner: adds products (perhaps looks at the cart), then leaves.
 * @param {Page} page @param {string} shopUrl @param {Item[]} items @param {{ from?: Source, landing?: string, viewCart?: boolean }} [o]
 */
export async function abandonCart(page, shopUrl, items, { from, landing = '/', viewCart = false } = {}) {
  await land(page, shopUrl, landing, from);
  await read(page, 5, 0.5);
  await addItems(page, shopUrl, items);
  if (viewCart) {
    await go(page, shopUrl, '/cart');
    await read(page, 6, 0.5);
  }
  await leave(page);
}

/**
 * A checkout abandoner: adds products, starts the checkout, fills `fieldsToFill` in order and
 * leaves. Payment fields in the list mean step 1 was completed first; the last field filled is
 * engagekit's `last_field` of the Form Abandoned.
 * @param {Page} page @param {string} shopUrl @param {string[]} fieldsToFill
 * @param {{ items?: Item[], from?: Source, customer?: Customer }} [o]
 */
export async function abandonCheckout(
  page,
  shopUrl,
  fieldsToFill,
  { items = [{ handle: 'canvas-tote' }], from, customer = makeCustomer() } = {},
) {
  await land(page, shopUrl, '/', from);
  await addItems(page, shopUrl, items);
  await go(page, shopUrl, '/cart');
  await page.click('#checkout-link');
  await page.waitForURL((u) => u.pathname === '/checkout');
  const payment = fieldsToFill.filter((f) => PAYMENT_FIELDS.includes(f));
  if (payment.length) {
    await fillFields(page, CONTACT_FIELDS, customer);
    await page.click('#checkout-contact button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/checkout/payment');
    await fillFields(page, payment, customer);
  } else await fillFields(page, fieldsToFill, customer);
  await advanceClock(page, 8000);
  await leave(page);
}

/**
 * A buyer: adds the items, checks out through both steps and reaches the thank-you page (whose
 * schema.org Order gives engagekit the order id and revenue). Returns the order number.
 * @param {Page} page @param {string} shopUrl @param {Item[]} items
 * @param {{ from?: Source, landing?: string, customer?: Customer, newsletter?: boolean }} [o]
 */
export async function buy(
  page,
  shopUrl,
  items,
  { from, landing = '/', customer = makeCustomer(), newsletter = false } = {},
) {
  await land(page, shopUrl, landing, from);
  await read(page, 6, 0.6);
  await addItems(page, shopUrl, items);
  await go(page, shopUrl, '/cart');
  await read(page, 5, 0.5);
  const order = await checkOut(page, customer);
  await read(page, 6, 0.5);
  if (newsletter) await signUp(page, customer.email);
  await leave(page);
  return order;
}

/** Sign up with the footer form of the current page. @param {Page} page @param {string} email */
async function signUp(page, email) {
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  await page.click('#newsletter-email');
  await page.keyboard.type(email);
  await advanceClock(page, 3000);
  await page.click('#newsletter button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/newsletter/thanks');
}

/**
 * A newsletter sign-up from the footer of `path`, then a look at the thank-you page.
 * @param {Page} page @param {string} shopUrl @param {{ path?: string, from?: Source, email?: string }} [o]
 */
export async function subscribe(page, shopUrl, { path = '/', from, email = makeCustomer().email } = {}) {
  await land(page, shopUrl, path, from);
  await read(page, 10, 1);
  await signUp(page, email);
  await read(page, 3, 0);
  await leave(page);
}

/**
 * A visitor of the single-page app: the listing, a product or two (pushState routes), adding to
 * cart with the same /cart/add.js request, the cart, sometimes back; with `checkout`, on through
 * the (classic) checkout to an order.
 * @param {Page} page @param {string} shopUrl
 * @param {{ items?: Item[], from?: Source, back?: boolean, checkout?: boolean, customer?: Customer }} [o]
 */
export async function spaVisit(
  page,
  shopUrl,
  {
    items = [{ handle: 'ceramic-mug', quantity: 2 }],
    from,
    back = false,
    checkout = false,
    customer = makeCustomer(),
  } = {},
) {
  await land(page, shopUrl, '/spa/', from);
  await page.waitForSelector('[data-app][data-view="/spa/"]');
  await read(page, 6, 0.6);
  for (const item of items) {
    await spaGo(page, `/spa/products/${item.handle}`);
    await read(page, 8, 0.4);
    await addToCart(page, item);
  }
  await spaGo(page, '/spa/cart');
  await read(page, 4, 0.5);
  if (back) {
    await page.goBack();
    await page.waitForSelector(`[data-app][data-view="/spa/products/${items[items.length - 1].handle}"]`);
  }
  if (checkout) {
    if (back) await spaGo(page, '/spa/cart');
    await checkOut(page, customer);
    await read(page, 5, 0.5);
  }
  await leave(page);
}

/** Follow an in-app link to `path` (the header's, a card's) and wait for the app to draw it. @param {Page} page @param {string} path */
async function spaGo(page, path) {
  const link = page.locator(`a[data-link][href="${path}"]:visible`).first();
  if (await link.count()) await link.click();
  else {
    // Not linked from here (another product): back to the listing, which links every product.
    await spaGo(page, '/spa/');
    await page.click(`a[data-link][href="${path}"]`);
  }
  await page.waitForSelector(`[data-app][data-view="${path}"]`);
}

/**
 * Time passes between two sessions of a returning visitor: past the session timeout (and past
 * the keepalive handoff of the first visit). The clock is moved from a page of the store that
 * runs no engagekit (robots.txt), so nothing is recorded at the new time before the visitor
 * comes back.
 * @param {Page} page @param {string} shopUrl @param {number} ms
 */
export async function timePasses(page, shopUrl, ms) {
  await page.goto(new URL('/robots.txt', shopUrl).href);
  await advanceClock(page, ms);
}

// ---------------------------------------------------------------------------------------------
// Planning a run

const SOURCES = /** @type {const} */ ([
  [{ name: 'direct' }, 34],
  [{ name: 'google', referrer: 'https://www.google.com/' }, 20],
  [{ name: 'instagram', referrer: 'https://l.instagram.com/' }, 8],
  [{ name: 'blog', referrer: 'https://www.slowwardrobe.example/best-basics-2025/' }, 5],
  [{ name: 'newsletter', utm: { source: 'newsletter', medium: 'email', campaign: 'autumn_letter' } }, 11],
  [
    {
      name: 'instagram ad',
      referrer: 'https://l.instagram.com/',
      utm: { source: 'instagram', medium: 'paid_social', campaign: 'rain_ready', content: 'reel_jacket' },
    },
    11,
  ],
  [
    {
      name: 'search ad',
      referrer: 'https://www.google.com/',
      utm: { source: 'google', medium: 'cpc', campaign: 'brand', term: 'harbor pine' },
    },
    11,
  ],
]);

export const PERSONAS = /** @type {const} */ ([
  'bounce',
  'browse',
  'abandonCart',
  'abandonCheckout',
  'buy',
  'subscribe',
  'spa',
  'returning',
  'regular',
]);
/** @typedef {(typeof PERSONAS)[number]} Persona */
const WEIGHTS = /** @type {[Persona, number][]} */ ([
  ['bounce', 24],
  ['browse', 19],
  ['abandonCart', 13],
  ['abandonCheckout', 12],
  ['buy', 13],
  ['subscribe', 6],
  ['spa', 7],
  ['returning', 6],
  ['regular', 8],
]);

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
];

/** @param {Random} rng @returns {Item[]} */
function someItems(rng, max = 3) {
  return rng
    .sample(
      PRODUCTS,
      rng.weighted([
        [1, 6],
        [2, 3],
        [max, 1],
      ]),
    )
    .map((p) => ({
      handle: p.handle,
      size:
        p.variants.length > 1
          ? rng.weighted([
              ['S', 2],
              ['M', 5],
              ['L', 3],
            ])
          : undefined,
      quantity: rng.weighted([
        [1, 8],
        [2, 3],
        [3, 1],
      ]),
    }));
}

/** Where a visitor from `source` lands. @param {Random} rng @param {{ name: string }} source */
function landingFor(rng, source) {
  if (source.name === 'instagram ad') return '/products/rain-jacket';
  if (source.name === 'blog') return rng.pick(['/products/t-shirt', '/products/linen-shirt']);
  if (source.name === 'google')
    return rng.weighted([
      ['/', 3],
      [`/products/${rng.pick(PRODUCTS).handle}`, 4],
      [`/blogs/journal/${rng.pick(ARTICLES).handle}`, 3],
    ]);
  if (source.name === 'newsletter') return rng.pick(['/', `/blogs/journal/${rng.pick(ARTICLES).handle}`]);
  return '/';
}

/** A few pages a browsing visitor goes through after landing. @param {Random} rng @param {string} landing */
function browsingPath(rng, landing) {
  const options = [
    '/',
    ...PRODUCTS.map((p) => `/products/${p.handle}`),
    '/blogs/journal',
    ...ARTICLES.map((a) => `/blogs/journal/${a.handle}`),
    '/pages/about',
    '/pages/shipping',
    '/cart',
  ];
  const paths = [landing];
  for (let n = rng.int(2, 5); paths.length <= n;) {
    const next = rng.pick(options);
    if (next !== paths[paths.length - 1]) paths.push(next);
  }
  return paths;
}

/**
 * The scripted visit number `index` of a run with `seed`: its persona, source and every choice,
 * drawn from a generator of its own, so a visit does not depend on how the others went.
 * @param {string | number} seed @param {number} index
 */
export function planVisit(seed, index) {
  const rng = random(`${seed}:${index}`);
  const persona = rng.weighted(WEIGHTS);
  const s = rng.weighted(/** @type {any} */ (SOURCES));
  /** @type {Source} */
  const from = { referrer: s.referrer, utm: s.utm };
  const landing = landingFor(rng, s);
  const customer = makeCustomer(rng);
  const viewport = rng.pick(VIEWPORTS);
  // When the visit happens: a day of the last 13 weeks (not the last hours, so reading time never
  // runs past the real clock).
  let daysAgo = 0.1 + rng.next() * (SPREAD_DAYS - 0.1);
  let sessions = 1;
  /** @type {(page: Page, shopUrl: string) => Promise<string | void>} */
  let run;
  switch (persona) {
    case 'bounce':
      run = (page, shop) => bounce(page, shop, { path: landing, from, seconds: rng.int(2, 9) });
      break;
    case 'browse': {
      const paths = browsingPath(rng, landing);
      const o = { paths, from, seconds: rng.int(6, 25), download: rng.chance(0.3), outbound: rng.chance(0.15) };
      run = (page, shop) => browse(page, shop, o);
      break;
    }
    case 'abandonCart': {
      const items = someItems(rng, 2);
      const viewCart = rng.chance(0.5);
      run = (page, shop) => abandonCart(page, shop, items, { from, landing, viewCart });
      break;
    }
    case 'abandonCheckout': {
      // Where people give up: mostly early in step 1, some at the payment step.
      const stop = rng.weighted([
        [1, 4],
        [2, 3],
        [3, 3],
        [4, 2],
        [6, 2],
        [7, 1],
      ]);
      const fields = stop <= 4 ? CONTACT_FIELDS.slice(0, stop) : PAYMENT_FIELDS.slice(0, stop - 5);
      const items = someItems(rng, 2);
      run = (page, shop) => abandonCheckout(page, shop, fields, { items, from, customer });
      break;
    }
    case 'buy': {
      const items = someItems(rng, 3);
      const newsletter = rng.chance(0.25);
      run = (page, shop) => buy(page, shop, items, { from, landing, customer, newsletter });
      break;
    }
    case 'subscribe':
      run = (page, shop) => subscribe(page, shop, { path: landing, from, email: customer.email });
      break;
    case 'spa': {
      const items = someItems(rng, 2);
      const o = { items, from, back: rng.chance(0.4), checkout: rng.chance(0.3), customer };
      run = (page, shop) => spaVisit(page, shop, o);
      break;
    }
    case 'returning': {
      // First a look and a cart left behind; then, past the session timeout (40 minutes to two
      // days), back from the newsletter to buy — or just to look again.
      const items = someItems(rng, 2);
      const gap = SESSION_TIMEOUT_MS + rng.int(10 * 60_000, 2 * 24 * 60 * 60_000);
      const buysLater = rng.chance(0.6);
      const paths = browsingPath(rng, '/');
      run = async (page, shop) => {
        await abandonCart(page, shop, items, { from, landing, viewCart: true });
        await timePasses(page, shop, gap);
        const back = { utm: { source: 'newsletter', medium: 'email', campaign: 'cart_reminder' } };
        if (!buysLater) return browse(page, shop, { paths, from: back, seconds: 10 });
        await land(page, shop, '/cart', back);
        await read(page, 5, 0.5);
        const order = await checkOut(page, customer);
        await leave(page);
        return order;
      };
      break;
    }
    case 'regular': {
      // A regular customer: buys on the first visit, 8 to 12 weeks ago, then comes back every one
      // to three weeks, to buy again (about one visit in two) or to look around, until the last few
      // days: the report's returning visitors, repeat buyers and retention cohorts.
      daysAgo = rng.int(56, 84) + rng.next();
      /** @type {{ afterDays: number, buys: boolean, items: Item[], paths: string[], from: Source }[]} */
      const later = [];
      for (let left = daysAgo - rng.int(8, 24); left > 1; left -= rng.int(8, 24)) {
        const again = rng.weighted(/** @type {any} */ (SOURCES));
        later.push({
          afterDays: daysAgo - left,
          buys: rng.chance(0.45),
          items: someItems(rng, 2),
          paths: browsingPath(rng, '/'),
          from: { referrer: again.referrer, utm: again.utm },
        });
      }
      sessions = 1 + later.length;
      const items = someItems(rng, 3);
      run = async (page, shop) => {
        const orders = [await buy(page, shop, items, { from, landing, customer })];
        let elapsed = 0;
        for (const v of later) {
          await timePasses(page, shop, (v.afterDays - elapsed) * DAY_MS);
          elapsed = v.afterDays;
          if (v.buys) orders.push(await buy(page, shop, v.items, { from: v.from, customer }));
          else await browse(page, shop, { paths: v.paths, from: v.from, seconds: 8 });
        }
        return orders.join(',');
      };
      break;
    }
  }
  return { index, persona, source: s.name, viewport, daysAgo, sessions, run };
}

// ---------------------------------------------------------------------------------------------
// Running visits

/**
 * The collector's batch endpoint, from the store's script tag.
 * @param {string} shopUrl
 */
export async function endpointOf(shopUrl) {
  const res = await fetch(new URL('/', shopUrl)).catch((e) => {
    throw new Error(
      `the store is not reachable at ${shopUrl} (${e.cause?.code || e.message}): start it with \`npm start\`, or pass --shop URL`,
    );
  });
  const m = /<script[^>]+src="[^"]*engagekit\.min\.js"[^>]*data-endpoint="([^"]+)"/.exec(await res.text());
  if (!m) throw new Error(`${shopUrl} has no engagekit script tag with a data-endpoint`);
  const endpoint = new URL(m[1].replace(/&amp;/g, '&'), shopUrl).href;
  // Events of a visitor whose browser is gone can never be sent again: no collector, no run.
  await fetch(endpoint, { method: 'OPTIONS' }).catch((e) => {
    throw new Error(
      `the store sends to ${endpoint}, which is not reachable (${e.cause?.code || e.message}): start the collector (\`npm start\` starts both)`,
    );
  });
  return endpoint;
}

/** @typedef {{ ok: boolean, order?: string, error?: string, batches?: number, events?: number, rejected?: number }} VisitResult */

/**
 * One visitor in a browser of its own (fresh profile, simulated clock, delivery watch), closed
 * afterwards; bounded by `timeoutMs`.
 * @param {ReturnType<typeof planVisit>} plan @param {string} shopUrl @param {string} endpoint @param {number} timeoutMs
 * @returns {Promise<VisitResult>}
 */
async function runVisitor(plan, shopUrl, endpoint, timeoutMs) {
  const dir = mkdtempSync(join(tmpdir(), 'engagekit-traffic-'));
  const collector = new URL(endpoint);
  const watch =
    collector.protocol === 'http:'
      ? await deliveryWatch({ shop: new URL(shopUrl).origin, collector: collector.origin, backdate: true })
      : undefined;
  /** @type {BrowserContext | undefined} */
  let context;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
      headless: true,
      args: CHROME_ARGS,
      viewport: plan.viewport,
      proxy: watch && { server: watch.url },
      acceptDownloads: true,
    });
    await installClock(context, Date.now() - plan.daysAgo * DAY_MS);
    // The one way out of the store: the footer's Instagram link, answered here, offline.
    await context.route(/^https:\/\/www\.instagram\.com\//, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>Instagram</title><p>harborandpine.demo on Instagram (a stand-in page)</p>',
      }),
    );
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15_000);
    if (watch) watches.set(page, watch);
    const visit = plan.run(page, shopUrl);
    visit.catch(() => undefined);
    const timeout = new Promise(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`visit took over ${timeoutMs / 1000} s`)), timeoutMs)),
    );
    const order = await Promise.race([visit, timeout]);
    return { ok: true, order: typeof order === 'string' ? order : undefined, ...watch?.stats };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e), ...watch?.stats };
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => undefined);
    await watch?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * @typedef {{ done: number, total: number, ok: number, failed: number, orders: number, events: number, elapsedMs: number, last?: { persona: string, ok: boolean, error?: string } }} Progress
 */

/**
 * Drive `visits` scripted visits through the store, `concurrency` browsers at a time, planned
 * from `seed`. Stops starting visits once `maxMs` has passed. Resolves to the run's summary.
 *
 * @param {{ shopUrl?: string, visits?: number, seed?: string | number, concurrency?: number, maxMs?: number, visitTimeoutMs?: number, onProgress?: (p: Progress) => void }} [options]
 */
export async function runVisits({
  shopUrl = DEFAULT_SHOP,
  visits = 40,
  seed = 1,
  concurrency = 2,
  maxMs = 20 * 60_000,
  visitTimeoutMs = 90_000,
  onProgress,
} = {}) {
  const started = Date.now();
  const endpoint = await endpointOf(shopUrl);
  const plans = Array.from({ length: visits }, (_, i) => planVisit(seed, i));
  /** @type {Record<string, number>} */
  const byPersona = {};
  /** @type {Record<string, number>} */
  const bySource = {};
  /** @type {{ persona: string, error: string }[]} */
  const errors = [];
  /** @type {string[]} */
  const orders = [];
  let next = 0;
  let done = 0;
  let ok = 0;
  let events = 0;
  let batches = 0;
  let refused = 0;
  unconfirmedLeaves = 0;
  const worker = async () => {
    while (next < plans.length && Date.now() - started < maxMs) {
      const plan = plans[next++];
      const r = await runVisitor(
        plan,
        shopUrl,
        endpoint,
        // A regular customer's visits have a timeout each.
        Math.min(visitTimeoutMs * plan.sessions, Math.max(10_000, maxMs - (Date.now() - started))),
      );
      done++;
      events += r.events || 0;
      batches += r.batches || 0;
      refused += r.rejected || 0;
      if (r.ok) {
        ok++;
        byPersona[plan.persona] = (byPersona[plan.persona] || 0) + 1;
        bySource[plan.source] = (bySource[plan.source] || 0) + 1;
        if (r.order) orders.push(...r.order.split(','));
      } else errors.push({ persona: plan.persona, error: r.error || 'failed' });
      onProgress?.({
        done,
        total: plans.length,
        ok,
        failed: done - ok,
        orders: orders.length,
        events,
        elapsedMs: Date.now() - started,
        last: { persona: plan.persona, ok: r.ok, error: r.error },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, visits)) }, worker));
  return {
    shopUrl,
    endpoint,
    seed,
    planned: visits,
    done,
    ok,
    failed: done - ok,
    skipped: plans.length - done,
    byPersona,
    bySource,
    orders,
    events,
    batches,
    refused,
    unconfirmedLeaves,
    errors,
    elapsedMs: Date.now() - started,
  };
}

// ---------------------------------------------------------------------------------------------
// Command line

/** `mm:ss`. @param {number} ms */
const clock = (ms) => `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

/**
 * A one-line progress bar on stderr, redrawn in place on a terminal; on anything else (CI logs)
 * a plain line every tenth of the run.
 * @param {NodeJS.WriteStream} out
 */
export function progressBar(out = process.stderr, width = 28) {
  let lastTenth = -1;
  return {
    /** @param {Progress} p */
    update(p) {
      const frac = p.total ? p.done / p.total : 1;
      const eta = p.done ? (p.elapsedMs / p.done) * (p.total - p.done) : 0;
      const line = `${'█'.repeat(Math.round(frac * width)).padEnd(width, '░')} ${p.done}/${p.total} visits · ${p.orders} orders · ${p.events} events${p.failed ? ` · ${p.failed} failed` : ''} · ${clock(p.elapsedMs)}${p.done < p.total ? ` (about ${clock(eta)} left)` : ''}`;
      // Cut to the terminal's width: a wrapped line could not be redrawn in place.
      if (out.isTTY) out.write(`\r${line.slice(0, Math.max(20, (out.columns || 80) - 1))}\x1b[K`);
      else if (Math.floor(frac * 10) > lastTenth || p.done === p.total) {
        lastTenth = Math.floor(frac * 10);
        out.write(line + '\n');
      }
    },
    end() {
      if (out.isTTY) out.write('\n');
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      visits: { type: 'string', default: '40' },
      shop: { type: 'string', default: DEFAULT_SHOP },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '2' },
      'max-minutes': { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`npm run demo:traffic -- [--visits 40] [--shop ${DEFAULT_SHOP}] [--seed 1] [--concurrency 2] [--max-minutes 20]

Drives headless Chromium (CHROME_PATH or /usr/bin/chromium) through scripted visits of the demo
store: bounces, browsing, cart and checkout abandonment, orders, newsletter sign-ups, the
single-page app, returning visitors and regular customers who buy again over the weeks. Visits are
spread over the last ${SPREAD_DAYS} days of simulated time (the report's retention cohorts). The same
seed plans the same visits. SHOP_URL sets the default store address.`);
    return;
  }
  const visits = Number(values.visits);
  const concurrency = Number(values.concurrency);
  const maxMinutes = Number(values['max-minutes']);
  if (
    !Number.isInteger(visits) ||
    visits < 1 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    !(maxMinutes > 0)
  ) {
    throw new Error('--visits and --concurrency take whole numbers from 1, --max-minutes a positive number');
  }
  console.error(
    `engagekit demo traffic: ${visits} visit${visits === 1 ? '' : 's'} to ${values.shop}, seed ${values.seed}, up to ${concurrency} browsers at a time`,
  );
  const bar = progressBar();
  const s = await runVisits({
    shopUrl: values.shop,
    visits,
    seed: values.seed,
    concurrency,
    maxMs: maxMinutes * 60_000,
    onProgress: (p) => bar.update(p),
  });
  bar.end();
  const list = (/** @type {Record<string, number>} */ o) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(
    `\n${s.ok} of ${s.planned} visits done in ${clock(s.elapsedMs)}${s.failed ? `, ${s.failed} failed` : ''}${s.skipped ? `, ${s.skipped} not started (time limit)` : ''}`,
  );
  console.log(`  personas: ${list(s.byPersona)}`);
  console.log(`  sources:  ${list(s.bySource)}`);
  console.log(`  orders:   ${s.orders.length}`);
  console.log(
    `  delivered to ${s.endpoint}: ${s.events} events in ${s.batches} batches (resends of the same events included; the collector stores each once)`,
  );
  if (s.refused)
    console.log(`  ${s.refused} requests answered with an error by the collector (write key or origin not accepted?)`);
  if (s.unconfirmedLeaves)
    console.log(`  ${s.unconfirmedLeaves} visits ended before the collector answered their last send`);
  for (const e of s.errors.slice(0, 5)) console.log(`  failed (${e.persona}): ${e.error}`);
  console.log(
    `\nWith the reference collector (\`npm start\`), the engagement report is at ${new URL('/', s.endpoint).href}`,
  );
  if (s.failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(`demo:traffic: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
