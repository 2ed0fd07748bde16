// A generator of engagekit-shaped sessions for the collector's benchmarks: store rows (as the
// collector makes them from messages) of realistic visits spread over the last `days` days. A
// visit: Session Started, one to six page views each with its Page Engagement (and Web Vitals
// for one in two), products added, a cart, a checkout and an order for some, a form now and then.
// About 7 events a session; half of the buyers then identify() themselves. Deterministic: a seeded generator, so runs compare.

const PATHS = ['/', '/products', '/products/mug', '/products/tee', '/products/cap', '/about', '/blog/a', '/blog/b'];
const REFERRERS = ['', '', '', 'https://www.google.com/search', 'https://news.example.org/a', 'https://t.co/x'];
const SOURCES = [null, null, null, null, ['newsletter', 'email', 'spring'], ['ads', 'cpc', 'sale']];

/** mulberry32: a small seeded PRNG. @param {number} seed */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rows for about `events` events over the `days` days before `now`, in sessions, in capture order
 * within each session; sessions interleave as they would arrive. Yields arrays of `batch` rows.
 *
 * @param {{ events: number, days?: number, now?: number, batch?: number, seed?: number, writeKey?: string }} opts
 */
export function* sessions({ events, days = 30, now = Date.now(), batch = 20, seed = 14, writeKey = 'bench' }) {
  const rand = rng(seed);
  const pick = (/** @type {any[]} */ xs) => xs[Math.floor(rand() * xs.length)];
  const start = now - days * 86_400_000;
  const visitors = Math.max(1, Math.round(events / 7 / 1.6));
  let made = 0;
  let n = 0;
  /** @type {import('../examples/collector/store.mjs').Row[]} */
  let out = [];
  while (made < events) {
    const sid = `s-${seed}-${++n}`;
    const anon = `a-${Math.floor(rand() * visitors)}`;
    const index = 1 + Math.floor(rand() * rand() * 4);
    let ts = start + Math.floor(rand() * (now - start - 3_600_000));
    let pageCount = 0;
    let path = pick(PATHS);
    const row = (/** @type {string} */ type, /** @type {string | null} */ event, /** @type {object} */ props) => {
      ts += 1000 + Math.floor(rand() * 40_000);
      made++;
      out.push({
        message_id: `m-${seed}-${made}`,
        write_key: writeKey,
        type,
        event,
        name: null,
        anonymous_id: anon,
        user_id: null,
        session_id: sid,
        session_index: index,
        page_count: pageCount,
        path,
        url: 'https://shop.example' + path,
        referrer: null,
        ts,
        received_at: ts + 200,
        properties: JSON.stringify(props),
        context: '{"library":{"name":"engagekit","version":"0.1.0"}}',
      });
    };
    const utm = pick(SOURCES);
    pageCount = 1;
    row('track', 'Session Started', {
      landing_path: path,
      referrer: pick(REFERRERS),
      ...(utm && { source: utm[0], medium: utm[1], name: utm[2] }),
    });
    const pages = 1 + Math.floor(rand() * rand() * 6);
    const buyer = rand() < 0.12;
    for (let p = 0; p < pages; p++) {
      if (p) path = pick(PATHS);
      pageCount = p + 1;
      row('page', null, { path, title: path });
      if (rand() < 0.5)
        row('track', 'Web Vitals', { path, lcp: 800 + rand() * 3000, cls: rand() * 0.3, ttfb: 100 + rand() * 600 });
      if (buyer && path.startsWith('/products/')) row('track', 'Product Added', { product_id: path });
      row('track', 'Page Engagement', {
        path,
        engaged_ms: Math.floor(rand() * 60_000),
        scroll_depth: Math.floor(rand() * 100),
        final: true,
      });
    }
    if (rand() < 0.04) {
      row('track', 'Form Started', { form_id: 'newsletter' });
      row('track', rand() < 0.6 ? 'Form Submitted' : 'Form Abandoned', {
        form_id: 'newsletter',
        last_field: 'email',
        time_ms: 5000,
      });
    }
    if (buyer) {
      row('track', 'Cart Started', { cart_id: sid });
      if (rand() < 0.6) {
        row('track', 'Checkout Started', { cart_id: sid });
        if (rand() < 0.7) {
          row('track', 'Order Completed', {
            order_id: `o-${sid}`,
            revenue: Math.round(rand() * 20000) / 100,
            currency: 'EUR',
          });
          // Half of the buyers sign in: identify() names a user of their own (the report's customers).
          if (rand() < 0.5) {
            row('identify', null, {});
            out[out.length - 1].user_id = `u-${anon}`;
          }
        }
      }
    }
    while (out.length >= batch) yield out.splice(0, batch);
  }
  if (out.length) yield out;
}
