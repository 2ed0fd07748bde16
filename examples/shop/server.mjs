// The demo store of issue 4: a small shop built the way a Shopify theme works (same URLs, same
// add-to-cart form and /cart/add.js request, a checkout under /checkout, a thank-you page with a
// schema.org Order), instrumented with nothing but engagekit's script tag. Carts and orders live
// in memory, per `cart` cookie: a restart empties them, which is all a demo needs.
//
//   node examples/shop/server.mjs   (PORT_SHOP, default 4321; COLLECTOR_URL, default http://127.0.0.1:4318)
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CURRENCY, PRODUCTS, productByHandle, variantById } from './catalog.mjs';
import { ARTICLES, PAGES } from './content.mjs';
import * as views from './views.mjs';

const DIST = new URL('../../dist/', import.meta.url);
const PUBLIC = new URL('./public/', import.meta.url);
/** Request bodies are small forms and JSON: anything bigger is not ours. */
const MAX_BODY = 16_384;
/** Carts and orders kept in memory; the oldest go first, so a long traffic run cannot grow it forever. */
const MAX_CARTS = 20_000;
const MAX_QUANTITY = 99;
/** @type {Record<string, string>} */
const TYPES = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** @typedef {{ lines: { variantId: number, quantity: number }[], contact: Record<string, string> | null }} Cart */
/** @typedef {import('./views.mjs').Order & { token: string }} StoredOrder */

class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Start the store on 127.0.0.1.
 *
 * @param {{ port?: number, host?: string, collectorUrl?: string, writeKey?: string, log?: (line: string) => void }} [options]
 *   collectorUrl: the collector's base URL (its batch endpoint is `collectorUrl/v1/batch`)
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startShop({
  port = 0,
  host = '127.0.0.1',
  collectorUrl = 'http://127.0.0.1:4318',
  writeKey = 'demo',
  log,
} = {}) {
  const tag = { endpoint: new URL('v1/batch', collectorUrl.replace(/\/?$/, '/')).href, writeKey };
  /** @type {Map<string, Cart>} */
  const carts = new Map();
  /** @type {Map<string, StoredOrder>} */
  const orders = new Map();
  // Order numbers count up from 1001 like Shopify's, with a tag of this run of the server: the
  // report counts one order per order id, so a restarted store must not reuse yesterday's numbers.
  const run = randomBytes(3).toString('hex').toUpperCase().slice(0, 4);
  let orderSeq = 1000;

  const bounded = (/** @type {Map<string, unknown>} */ map) => {
    for (const key of map.keys()) {
      if (map.size <= MAX_CARTS) break;
      map.delete(key);
    }
  };

  /** @param {http.IncomingMessage} req */
  const cookieToken = (req) => /(?:^|;\s*)cart=([\w-]{8,64})/.exec(req.headers.cookie || '')?.[1];
  /** @param {http.IncomingMessage} req */
  const cartOf = (req) => {
    const token = cookieToken(req);
    return token ? carts.get(token) : undefined;
  };
  /** The visitor's cart, made (with its cookie) on the first add. @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  const ensureCart = (req, res) => {
    // A cookie whose cart is gone (the server restarted) keeps its token and gets a new cart.
    const token = cookieToken(req) || randomBytes(12).toString('base64url');
    let cart = carts.get(token);
    if (!cart) {
      cart = { lines: [], contact: null };
      carts.set(token, cart);
      bounded(carts);
      res.setHeader('Set-Cookie', `cart=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600`);
    }
    return { token, cart };
  };

  /** @param {Cart | undefined} cart @returns {import('./views.mjs').CartView} */
  const viewOf = (cart) => {
    /** @type {import('./views.mjs').CartLine[]} */
    const lines = [];
    (cart?.lines || []).forEach((l, i) => {
      const found = variantById(l.variantId);
      if (found) lines.push({ ...found, quantity: l.quantity, line: i + 1 });
    });
    const cents = lines.reduce((sum, l) => sum + Math.round(l.product.price * 100) * l.quantity, 0);
    return { lines, count: lines.reduce((n, l) => n + l.quantity, 0), total: cents / 100 };
  };

  /**
   * Add items the way Shopify's /cart/add does: every item valid or none added.
   * @param {Cart} cart @param {unknown} items
   */
  const addItems = (cart, items) => {
    const list = Array.isArray(items) ? items : [];
    if (!list.length) throw new HttpError(422, 'No items to add');
    const adds = list.map((/** @type {any} */ it) => {
      const found = variantById(it?.id);
      const quantity = it?.quantity == null || it.quantity === '' ? 1 : Number(it.quantity);
      if (!found) throw new HttpError(422, `Cannot find variant ${String(it?.id).slice(0, 20)}`);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)
        throw new HttpError(422, `Quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
      return { found, quantity };
    });
    for (const { found, quantity } of adds) {
      const line = cart.lines.find((l) => l.variantId === found.variant.id);
      if (line) line.quantity = Math.min(MAX_QUANTITY, line.quantity + quantity);
      else cart.lines.push({ variantId: found.variant.id, quantity });
    }
    return adds.map(({ found, quantity }) => lineJson(found, quantity));
  };

  /** @param {{ product: import('./catalog.mjs').Product, variant: import('./catalog.mjs').Variant }} found @param {number} quantity */
  const lineJson = ({ product, variant }, quantity) => ({
    id: variant.id,
    product_id: product.id,
    handle: product.handle,
    title: product.title,
    variant_title: product.variants.length > 1 ? variant.title : null,
    sku: variant.sku,
    quantity,
    // Shopify's cart API counts in cents.
    price: Math.round(product.price * 100),
    line_price: Math.round(product.price * 100) * quantity,
    url: `/products/${product.handle}`,
  });

  /** @param {Cart | undefined} cart */
  const cartJson = (cart) => {
    const v = viewOf(cart);
    return {
      item_count: v.count,
      total_price: Math.round(v.total * 100),
      currency: CURRENCY,
      items: v.lines.map((l) => lineJson(l, l.quantity)),
    };
  };

  /** @param {http.ServerResponse} res @param {http.IncomingMessage} req @param {{ title: string, body: unknown, status?: number, spa?: boolean }} p */
  const page = (req, res, { title, body, status = 200, spa = false }) => {
    const count = viewOf(cartOf(req)).count;
    send(res, status, 'text/html; charset=utf-8', views.layout({ tag, title, body, cartCount: count, spa }).toString());
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const url = new URL(req.url || '/', 'http://shop');
    const path = url.pathname;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const get = method === 'GET';
    const post = method === 'POST';

    // engagekit itself, straight from the repo's build.
    if (get && /^\/engagekit(-vitals)?\.min\.js(\.map)?$/.test(path)) {
      const body = await readFile(new URL('.' + path, DIST)).catch(() => undefined);
      if (!body) return send(res, 404, 'text/plain; charset=utf-8', `dist${path} is missing: run npm run build\n`);
      return send(res, 200, TYPES[path.endsWith('.map') ? '.map' : '.js'], body, 'no-cache');
    }
    if (get && /^\/assets\/(shop\.css|theme\.js|spa\.js)$/.test(path)) {
      return send(
        res,
        200,
        TYPES[path.slice(path.lastIndexOf('.'))],
        await readFile(new URL('.' + path.slice(7), PUBLIC)),
        'no-cache',
      );
    }
    if (get && path === '/robots.txt')
      return send(res, 200, 'text/plain; charset=utf-8', 'User-agent: *\nDisallow: /checkout\nDisallow: /cart\n');
    if (get && path === '/files/size-guide.pdf') {
      res.setHeader('Content-Disposition', 'attachment; filename="size-guide.pdf"');
      return send(res, 200, 'application/pdf', SIZE_GUIDE_PDF);
    }

    if (get && path === '/') return page(req, res, { title: 'Well-made things for every day', body: views.home() });
    if (get && path === '/products.json') return json(res, 200, { products: PRODUCTS.map(productJson) });
    const product = /^\/products\/([\w-]+)\/?$/.exec(path);
    if (get && product) {
      const p = productByHandle(product[1]);
      if (p) return page(req, res, { title: p.title, body: views.productPage(p) });
    }

    if (path === '/cart' && get)
      return page(req, res, { title: 'Your cart', body: views.cartPage(viewOf(cartOf(req))) });
    if (path === '/cart.js' && get) return json(res, 200, cartJson(cartOf(req)));
    if ((path === '/cart/add' || path === '/cart/add.js') && post) {
      const body = await readBody(req);
      const { cart } = ensureCart(req, res);
      // Shopify accepts `{items: [{id, quantity}]}` or a single item's `id` and `quantity`.
      const items = Array.isArray(body.items) ? body.items : [{ id: body.id, quantity: body.quantity }];
      if (path === '/cart/add') {
        addItems(cart, items);
        return redirect(res, '/cart');
      }
      return json(res, 200, { items: addItems(cart, items) });
    }
    if ((path === '/cart/change' && (get || post)) || (path === '/cart/change.js' && post)) {
      const q = post
        ? { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) }
        : Object.fromEntries(url.searchParams);
      const cart = cartOf(req);
      const line = Number(q.line);
      const quantity = Number(q.quantity);
      if (
        cart &&
        Number.isInteger(line) &&
        line >= 1 &&
        line <= cart.lines.length &&
        Number.isInteger(quantity) &&
        quantity >= 0 &&
        quantity <= MAX_QUANTITY
      ) {
        if (quantity === 0) cart.lines.splice(line - 1, 1);
        else cart.lines[line - 1].quantity = quantity;
      } else if (path === '/cart/change.js') throw new HttpError(422, 'No such line');
      return path === '/cart/change.js' ? json(res, 200, cartJson(cart)) : redirect(res, '/cart');
    }

    if (path === '/checkout' && (get || post)) {
      const cart = cartOf(req);
      if (!cart?.lines.length) return redirect(res, '/cart');
      if (get)
        return page(req, res, { title: 'Checkout', body: views.checkoutContact(viewOf(cart), cart.contact || {}) });
      const body = await readBody(req);
      const values = pick(body, ['email', 'full_name', 'address', 'city', 'country']);
      const errors = contactErrors(values);
      if (Object.keys(errors).length)
        return page(req, res, {
          status: 422,
          title: 'Checkout',
          body: views.checkoutContact(viewOf(cart), values, errors),
        });
      cart.contact = values;
      return redirect(res, '/checkout/payment');
    }
    if (path === '/checkout/payment' && (get || post)) {
      const cart = cartOf(req);
      if (!cart?.lines.length || !cart.contact) return redirect(res, cart?.lines.length ? '/checkout' : '/cart');
      if (get) return page(req, res, { title: 'Payment', body: views.checkoutPayment(viewOf(cart)) });
      // Checked, then forgotten: the store keeps no card data at all.
      const errors = paymentErrors(pick(await readBody(req), ['card_name', 'card_number', 'expiry']));
      if (Object.keys(errors).length)
        return page(req, res, { status: 422, title: 'Payment', body: views.checkoutPayment(viewOf(cart), errors) });
      const v = viewOf(cart);
      const number = `${++orderSeq}-${run}`;
      orders.set(number, {
        number,
        lines: v.lines,
        total: v.total,
        name: cart.contact.full_name,
        city: cart.contact.city,
        country: cart.contact.country,
        token: /** @type {string} */ (cookieToken(req)),
      });
      bounded(orders);
      cart.lines = [];
      cart.contact = null;
      return redirect(res, `/checkout/thank-you?order=${encodeURIComponent(number)}`);
    }
    if (get && path === '/checkout/thank-you') {
      const order = orders.get(url.searchParams.get('order') || '');
      // Only the browser that placed the order sees it.
      if (order && order.token === cookieToken(req))
        return page(req, res, { title: `Order ${order.number} confirmed`, body: views.thankYou(order) });
      return page(req, res, { status: 404, title: 'Order not found', body: views.notFound() });
    }

    if (path === '/newsletter' && post) {
      const { email } = pick(await readBody(req), ['email']);
      // Nothing is stored: a demo has no one to write to.
      if (!EMAIL.test(email))
        return page(req, res, { status: 422, title: 'Newsletter', body: views.newsletterInvalid() });
      return redirect(res, '/newsletter/thanks');
    }
    if (get && path === '/newsletter/thanks')
      return page(req, res, { title: 'Subscribed', body: views.newsletterThanks() });

    if (get && path === '/blogs/journal') return page(req, res, { title: 'Journal', body: views.journal() });
    const journalPost = /^\/blogs\/journal\/([\w-]+)$/.exec(path);
    const a = get && journalPost && ARTICLES.find((x) => x.handle === journalPost[1]);
    if (a) return page(req, res, { title: a.title, body: views.article(a) });
    const info = /^\/pages\/(\w+)$/.exec(path);
    if (get && info && Object.hasOwn(PAGES, info[1]))
      return page(req, res, { title: PAGES[info[1]].title, body: views.infoPage(PAGES[info[1]]) });

    if (get && path === '/spa') return redirect(res, '/spa/' + url.search);
    // Every route of the single-page app gets its shell; spa.js renders the route.
    if (get && path.startsWith('/spa/')) {
      // The title of the route the app will draw, so the first page view already has it.
      const title =
        productByHandle(/^\/spa\/products\/([\w-]+)/.exec(path)?.[1] || '')?.title ||
        (/^\/spa\/cart\/?$/.test(path) ? 'Your cart' : 'Shop');
      return page(req, res, { title, body: views.spaShell(), spa: true });
    }

    if (!get && !post) {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    return page(req, res, { status: 404, title: 'Not found', body: views.notFound() });
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms`));
    handle(req, res).catch((e) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) console.error('[shop]', e);
      if (res.headersSent) return res.destroy();
      const message = status === 500 ? 'Internal error' : e.message;
      if (/\.js$/.test(new URL(req.url || '/', 'http://shop').pathname))
        json(res, status, { status, message: 'Cart Error', description: message });
      else send(res, status, 'text/plain; charset=utf-8', message + '\n');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

/** Only the named fields, as trimmed strings. @param {Record<string, unknown>} body @param {string[]} names */
function pick(body, names) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const n of names) out[n] = typeof body[n] === 'string' ? body[n].trim().slice(0, 200) : '';
  return out;
}

/** @param {Record<string, string>} v */
function contactErrors(v) {
  /** @type {Record<string, string>} */
  const e = {};
  if (!EMAIL.test(v.email)) e.email = 'Enter an email address like name@example.com';
  for (const [k, label] of [
    ['full_name', 'your name'],
    ['address', 'an address'],
    ['city', 'a city'],
  ])
    if (!v[k]) e[k] = `Enter ${label}`;
  if (!views.COUNTRIES.includes(v.country)) e.country = 'Choose a country we ship to';
  return e;
}

/** @param {Record<string, string>} v */
function paymentErrors(v) {
  /** @type {Record<string, string>} */
  const e = {};
  if (!v.card_name) e.card_name = 'Enter the name on the card';
  if (!/^\d{12,19}$/.test(v.card_number.replace(/[\s-]/g, '')))
    e.card_number = 'Enter the card number: 12 to 19 digits';
  const exp = /^(0[1-9]|1[0-2])\s*\/\s*(\d{2})$/.exec(v.expiry);
  const now = new Date();
  if (
    !exp ||
    2000 + Number(exp[2]) < now.getUTCFullYear() ||
    (2000 + Number(exp[2]) === now.getUTCFullYear() && Number(exp[1]) < now.getUTCMonth() + 1)
  )
    e.expiry = 'Enter a future expiry date as MM/YY';
  return e;
}

/** @param {import('./catalog.mjs').Product} p */
const productJson = (p) => ({
  id: p.id,
  handle: p.handle,
  title: p.title,
  body: p.blurb,
  details: p.details,
  hue: p.hue,
  price: p.price.toFixed(2),
  currency: CURRENCY,
  variants: p.variants.map((v) => ({ id: v.id, title: v.title, sku: v.sku, price: p.price.toFixed(2) })),
});

/**
 * A form (urlencoded) or JSON body, up to 16 KB.
 * @param {http.IncomingMessage} req
 * @returns {Promise<Record<string, any>>}
 */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type === 'application/json') {
    try {
      const v = JSON.parse(text || '{}');
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
    } catch {
      // answered below
    }
    throw new HttpError(400, 'Body is not a JSON object');
  }
  if (type === 'application/x-www-form-urlencoded' || type === '' || type === 'text/plain')
    return Object.fromEntries(new URLSearchParams(text));
  throw new HttpError(415, 'Send a form (application/x-www-form-urlencoded) or JSON');
}

/** @param {http.ServerResponse} res @param {number} status @param {string} type @param {string | Buffer} body */
function send(res, status, type, body, cache = 'no-store') {
  res
    .writeHead(status, { 'Content-Type': type, 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' })
    .end(body);
}
/** @param {http.ServerResponse} res @param {number} status @param {unknown} body */
const json = (res, status, body) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
/** After a POST: 303, so reloading the next page does not post again. @param {http.ServerResponse} res @param {string} location */
const redirect = (res, location) => res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' }).end();

/** A one-page PDF saying where the size guide would be: enough for a real download (engagekit's File Downloaded). */
const SIZE_GUIDE_PDF = (() => {
  const text = 'Harbor & Pine size guide: S fits chest 88-96 cm, M 96-104 cm, L 104-112 cm.';
  const stream = `BT /F1 12 Tf 56 760 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => String(o).padStart(10, '0') + ' 00000 n \n').join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
})();

// Run on its own: `node examples/shop/server.mjs`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const shop = await startShop({
    port: Number(process.env.PORT_SHOP ?? 4321),
    collectorUrl: process.env.COLLECTOR_URL || 'http://127.0.0.1:4318',
  });
  console.log(
    `demo store: ${shop.url}/ (events to ${process.env.COLLECTOR_URL || 'http://127.0.0.1:4318'}/v1/batch; Ctrl-C to stop)`,
  );
  const stop = () => shop.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
