// Hand-built engagement data for the report tests: five sessions of four visitors in May 2024,
// each a typical visit, plus events outside the range that must not count. The expected metrics
// are worked out by hand in report.test.ts from these messages.

/**
 * A message as engagekit sends it. Without `sentAt` (in the message or the batch) the collector
 * has no clock skew to correct and keeps `timestamp` as the capture time, so the data can be dated
 * in the past, as an import of historical events would be.
 */
export interface Message {
  type: 'page' | 'track';
  event?: string;
  name?: string;
  messageId: string;
  anonymousId: string;
  timestamp: string;
  properties: Record<string, unknown>;
  context: {
    page: { path: string; url: string; referrer: string; title: string; search: string };
    library: { name: string; version: string };
    session: { id: string; index: number; pageCount: number; startedAt: string };
  };
}

export const DAY = 86_400_000;
/** 2024-05-10 00:00 UTC. */
export const MAY_10 = Date.UTC(2024, 4, 10);
export const HOUR = 3_600_000;

interface Session {
  id: string;
  anon: string;
  index: number;
  start: number;
  /** The page view the next events belong to. */
  page: string;
  pageCount: number;
}

const ORIGIN = 'https://shop.test';

/**
 * The schema wants UUIDs (v4) for message, session and anonymous ids: readable, fixed ones made
 * from the names used in comments (S1 → 5e550000-…-000000000001, a1 → a0000000-…-000000000001).
 */
const uuid = (prefix: string, n: number) =>
  `${prefix.padEnd(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const sessionId = (name: string) => uuid('5e55', Number(name.slice(1)));
export const anonymousId = (name: string) => uuid('a', Number(name.slice(1)));
let messageCount = 0;

/** Builds the messages of one session in order; `at` is ms after the session's start. */
function session(name: string, anonName: string, index: number, start: number) {
  const id = sessionId(name);
  const anon = anonymousId(anonName);
  const s: Session = { id, anon, index, start, page: '/', pageCount: 0 };
  const out: Message[] = [];
  const msg = (type: 'page' | 'track', at: number, properties: Record<string, unknown>, event?: string): Message => {
    const ts = new Date(s.start + at).toISOString();
    return {
      type,
      ...(event ? { event } : { name: s.page }),
      messageId: uuid('', ++messageCount),
      anonymousId: anon,
      timestamp: ts,
      properties,
      context: {
        page: { path: s.page, url: ORIGIN + s.page, referrer: '', title: s.page, search: '' },
        library: { name: 'engagekit', version: '0.1.0' },
        session: { id, index, pageCount: s.pageCount, startedAt: new Date(s.start).toISOString() },
      },
    };
  };
  const api = {
    page(path: string, at: number) {
      s.page = path;
      s.pageCount++;
      out.push(msg('page', at, { path, url: ORIGIN + path, referrer: '', title: path, search: '' }));
      return api;
    },
    track(event: string, at: number, properties: Record<string, unknown> = {}) {
      out.push(msg('track', at, properties, event));
      return api;
    },
    /** Session Started comes before the first page view and describes the landing page. */
    started(path: string, referrer: string, campaign: Record<string, string> = {}) {
      s.page = path;
      out.push(
        msg('track', 0, { landing_page: ORIGIN + path, landing_path: path, referrer, ...campaign }, 'Session Started'),
      );
      return api;
    },
    engagement(at: number, engaged_ms: unknown, scroll_depth: unknown, final: boolean) {
      return api.track('Page Engagement', at, { engaged_ms, scroll_depth, final, path: s.page });
    },
    vitals(at: number, v: Record<string, number>) {
      return api.track('Web Vitals', at, { ...v, navigation_type: 'navigate', path: s.page });
    },
    messages: out,
  };
  return api;
}

/** The data set: every message, in the order a collector would receive them. */
export function messages(): Message[] {
  messageCount = 0;
  // S1: visitor a1 lands from Google, reads 4 s, starts the newsletter form, leaves: a bounce.
  const s1 = session('S1', 'a1', 1, MAY_10 + 10 * HOUR)
    .started('/', 'https://www.google.com/')
    .page('/', 0)
    .track('Form Started', 1000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      field_count: 2,
      fields_touched: 1,
      last_field: 'email',
      time_ms: 0,
      invalid_count: 0,
    })
    .track('Form Abandoned', 4000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      field_count: 2,
      fields_touched: 1,
      last_field: 'email',
      time_ms: 3000,
      invalid_count: 0,
    })
    .engagement(5000, 4000, 30, true)
    .vitals(5000, { lcp: 1200, fcp: 800, ttfb: 100, cls: 0.01 });

  // S2: a2 comes back (session 2) from the spring newsletter and browses three pages.
  const s2 = session('S2', 'a2', 2, MAY_10 + DAY + 9 * HOUR)
    .started('/', '', { source: 'newsletter', medium: 'email', name: 'spring' })
    .page('/', 0)
    .engagement(30_000, 20_000, 80, true)
    .vitals(30_000, { lcp: 2000, fcp: 1000, ttfb: 200, cls: 0.05, inp: 100 })
    .page('/products', 30_000)
    .engagement(40_000, 5000, 40, false) // tab hidden, then back
    .engagement(60_000, 10_000, 60, true)
    .vitals(60_000, { lcp: 3000, fcp: 1500, ttfb: 300, cls: 0.2, inp: 300 })
    .page('/about', 60_000)
    .track('Form Started', 62_000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      last_field: 'email',
      time_ms: 0,
    })
    // Not numbers: ignored by the report in both databases instead of failing the query.
    .engagement(65_000, 'lots', 'x', false)
    .track('Form Abandoned', 68_000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      last_field: 'email',
      time_ms: 6000,
    })
    .engagement(70_000, 1000, 100, true);

  // S3: a3 arrives from a Google search on a product, buys it: cart → checkout → order o1.
  const s3 = session('S3', 'a3', 1, MAY_10 + 2 * DAY + 14 * HOUR)
    .started('/products/mug', 'https://www.google.com/search?q=mugs')
    .page('/products/mug', 0)
    .track('Product Viewed', 0, { product_id: 'mug', price: 12.5, currency: 'EUR', source: 'page' })
    .track('Cart Started', 10_000, { source: 'api' })
    .track('Product Added', 10_000, { product_id: 'mug', quantity: 2, price: 12.5, currency: 'EUR', source: 'api' })
    .engagement(20_000, 15_000, 90, true)
    .vitals(20_000, { lcp: 2200, fcp: 900, ttfb: 150, cls: 0, inp: 80 })
    .page('/checkout', 20_000)
    .track('Checkout Started', 20_000)
    // Its checkout reports its steps (as the Shopify pixel does): contact, address, shipping, payment.
    .track('Checkout Step Completed', 30_000, { step: 1 })
    .track('Checkout Step Completed', 35_000, { step: 2 })
    .track('Checkout Step Completed', 40_000, { step: 3, shipping_method: 'Standard' })
    .track('Payment Info Entered', 50_000, { step: 4 })
    .track('Form Started', 25_000, {
      form_id: 'checkout',
      form_name: 'checkout',
      action_path: '/pay',
      last_field: 'email',
      time_ms: 0,
    })
    .track('Form Submitted', 55_000, {
      form_id: 'checkout',
      form_name: 'checkout',
      action_path: '/pay',
      last_field: 'card',
      time_ms: 30_000,
    })
    .engagement(60_000, 40_000, 100, true)
    .vitals(60_000, { lcp: 1800, fcp: 700, ttfb: 120, cls: 0.02, inp: 150 })
    .page('/thank-you', 60_000)
    .track('Order Completed', 61_000, {
      order_id: 'o1',
      revenue: 25,
      total: 30,
      currency: 'EUR',
      products: [{ product_id: 'mug', quantity: 2 }],
    })
    .engagement(65_000, 3000, 50, true);

  // S4: a4 from a news article adds a tee to the cart, gives up in checkout at the address, then
  // gives up on the newsletter at the name field.
  const s4 = session('S4', 'a4', 1, MAY_10 + 2 * DAY + 16 * HOUR)
    .started('/products/tee', 'https://news.example.org/article/1')
    .page('/products/tee', 0)
    .track('Product Viewed', 0, { product_id: 'tee', price: 20, source: 'page' })
    .track('Cart Started', 5000, { source: 'api' })
    .track('Product Added', 5000, { product_id: 'tee', quantity: 1, price: 20, source: 'api' })
    .engagement(12_000, 8000, 70, true)
    .page('/checkout', 12_000)
    .track('Checkout Started', 12_000)
    .track('Checkout Step Completed', 14_000, { step: 1 })
    .track('Form Started', 15_000, {
      form_id: 'checkout',
      form_name: 'checkout',
      action_path: '/pay',
      last_field: 'email',
      time_ms: 0,
    })
    .track('Form Abandoned', 40_000, {
      form_id: 'checkout',
      form_name: 'checkout',
      action_path: '/pay',
      last_field: 'address',
      time_ms: 25_000,
    })
    .engagement(40_000, 25_000, 40, true)
    .vitals(40_000, { lcp: 4000, fcp: 2000, ttfb: 600, cls: 0.3, inp: 600 })
    .page('/newsletter', 40_000)
    .track('Form Started', 42_000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      last_field: 'email',
      time_ms: 0,
    })
    .track('Form Abandoned', 48_000, {
      form_id: '',
      form_name: 'newsletter',
      action_path: '/subscribe',
      last_field: 'name',
      time_ms: 6000,
    })
    .engagement(50_000, 2000, 100, true);

  // S5: a3 again (session 2), places order o2 straight from the account page (order.complete(),
  // total only); the same order arrives twice (another tab), which is still one order.
  const s5 = session('S5', 'a3', 2, MAY_10 + 3 * DAY + 8 * HOUR)
    .started('/account', '')
    .page('/account', 0)
    .track('Order Completed', 3000, { order_id: 'o2', total: 40, currency: 'EUR' })
    .track('Order Completed', 3500, { order_id: 'o2', total: 40, currency: 'EUR' })
    .engagement(6000, 6000, 20, true);

  // Outside the range: a1's first visit in April (which makes a1 a returning visitor) and a
  // visitor in June; neither counts.
  const before = session('S0', 'a1', 1, Date.UTC(2024, 3, 20, 12))
    .started('/', '')
    .page('/', 0)
    .engagement(20_000, 20_000, 100, true);
  const after = session('S6', 'a5', 1, Date.UTC(2024, 5, 2, 12))
    .started('/', '')
    .page('/', 0)
    .track('Cart Started', 1000);

  return [s1, s2, s3, s4, s5, before, after].flatMap((s) => s.messages);
}

/** The request body that sends them all: one batch, no sentAt (see Message). */
export const batchBody = () => JSON.stringify({ batch: messages(), writeKey: 'report-test' });
