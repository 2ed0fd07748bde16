import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { reportGuard } from './auth.mjs';
import { COLUMNS, TABLE_NAMES, computeMetrics, computeTable, parseRange } from './metrics.mjs';
import { toCsv } from './csv.mjs';
/** @typedef {ReturnType<typeof import('./cache.mjs').reportCache>} ReportCache */
import { SiteError, listSites, parseSite } from './sites.mjs';

const here = (/** @type {string} */ name) => fileURLToPath(new URL(name, import.meta.url));
const require = createRequire(import.meta.url);

/** Files served as they are: the dashboard and uPlot from node_modules (no CDN). */
const FILES = {
  '/': [here('./dashboard.html'), 'text/html; charset=utf-8'],
  '/report': [here('./dashboard.html'), 'text/html; charset=utf-8'],
  '/report/': [here('./dashboard.html'), 'text/html; charset=utf-8'],
  '/report/dashboard.js': [here('./dashboard.js'), 'text/javascript; charset=utf-8'],
  '/report/dashboard.css': [here('./dashboard.css'), 'text/css; charset=utf-8'],
  '/assets/uPlot.iife.min.js': [require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/assets/uPlot.min.css': [require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
};

/** The dashboard loads only its own files; uPlot styles its elements through the DOM, which CSP allows. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The guard used when the caller gives none: REPORT_PASSWORD, read on each request. */
let defaultGuard;

/**
 * @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function json(res, status, body, headers = {}) {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/**
 * A site (a write key: any text) as part of a file name: letters, digits, '-' and '_' kept, any
 * other character '_', at most 40 of them.
 * @param {string} site
 */
const fileSafe = (site) => site.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);

/** One structured log line, like the collector's. @param {string} msg @param {Record<string, unknown>} fields */
const logError = (msg, fields) =>
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, ...fields }));

/**
 * The engagement report's routes, served by the collector: the dashboard page (`/`, `/report`),
 * its assets, the metrics API (`GET /api/metrics?from=&to=&site=`), CSV exports
 * (`GET /api/export/<table>.csv?from=&to=&site=`) and the sites (`GET /api/sites`). `site` is a
 * write key (sites.mjs: without it, the store's only site; 400 when it has several, 404 for a
 * site without events). Returns true when it answered the request.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {import('./metrics.mjs').Store} store
 * @param {{ guard?: ReturnType<typeof reportGuard>, cache?: ReportCache }} [options]  `guard`: who may read
 *   it (default: REPORT_PASSWORD, from the environment, with failed attempts limited per client
 *   address); `cache`: answers given again (cache.mjs; default: none, each request computes its own)
 * @returns {Promise<boolean>}
 */
export async function handleReport(req, res, url, store, options = {}) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = url.pathname;
  const file = Object.hasOwn(FILES, path) ? FILES[/** @type {keyof typeof FILES} */ (path)] : undefined;
  const exportMatch = /^\/api\/export\/([A-Za-z]+)\.csv$/.exec(path);
  if (!file && path !== '/api/metrics' && path !== '/api/sites' && !exportMatch) return false;
  // The collector allows other origins (the sites that send events) with CORS; the report is for
  // its own page only, so no other site may read it with the visitor's credentials.
  for (const h of res.getHeaderNames()) if (h.startsWith('access-control-')) res.removeHeader(h);

  const guard = options.guard ?? (defaultGuard ||= reportGuard({ password: () => process.env.REPORT_PASSWORD }));
  const verdict = guard(req);
  if (!verdict.ok) {
    res
      .writeHead(
        verdict.status,
        verdict.status == 429
          ? { 'Retry-After': String(verdict.retryAfterS), 'Content-Type': 'text/plain' }
          : { 'WWW-Authenticate': 'Basic realm="engagekit report", charset="UTF-8"', 'Content-Type': 'text/plain' },
      )
      .end(verdict.status == 429 ? 'too many failed attempts, try again later\n' : 'authentication required\n');
    return true;
  }

  if (file) {
    const body = await readFile(file[0]);
    res.writeHead(200, {
      'Content-Type': file[1],
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      ...(file[1].startsWith('text/html') ? PAGE_HEADERS : { 'X-Content-Type-Options': 'nosniff' }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  let range;
  let site;
  try {
    range = parseRange(url.searchParams);
    site = parseSite(url.searchParams);
  } catch (e) {
    json(res, 400, { error: /** @type {Error} */ (e).message });
    return true;
  }
  const limit = Number(url.searchParams.get('limit') || 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    json(res, 400, { error: 'limit must be an integer from 1 to 10000' });
    return true;
  }

  // The same answer whatever the spelling of the range (dates or milliseconds) or the order of
  // the other parameters.
  const others = [...url.searchParams].filter(([k]) => !['from', 'to', 'limit'].includes(k)).sort();
  const key = JSON.stringify([path, range.from, range.to, limit, others]);
  /** @template T @param {() => Promise<T>} compute */
  const answer = (compute) => (options.cache ? options.cache.get(key, compute) : { answer: compute(), ageMs: () => 0 });
  /** `Age` (RFC 9111): how many seconds ago a cached answer was computed. @param {() => number} ageMs */
  const age = (ageMs) => ({ Age: String(Math.floor(ageMs() / 1000)) });

  try {
    if (path === '/api/sites') {
      json(res, 200, { sites: await listSites(store) });
      return true;
    }
    if (path === '/api/metrics') {
      const { answer: metrics, ageMs } = answer(() => computeMetrics(store, range, { limit, site }));
      json(res, 200, await metrics, age(ageMs));
      return true;
    }
    const name = /** @type {string} */ (exportMatch?.[1]);
    if (!TABLE_NAMES.includes(name)) {
      json(res, 404, { error: `no table ${name}; tables: ${TABLE_NAMES.join(', ')}` });
      return true;
    }
    const { answer: rows, ageMs } = answer(() => computeTable(store, name, range, undefined, undefined, site));
    const csv = toCsv(COLUMNS[/** @type {keyof typeof COLUMNS} */ (name)], await rows);
    const day = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
    res.writeHead(200, {
      ...age(ageMs),
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="engagekit-${site === undefined ? '' : fileSafe(site) + '-'}${name}-${day(range.from)}-to-${day(range.to - 1)}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : csv);
  } catch (e) {
    if (e instanceof SiteError) {
      json(res, e.status, { error: e.message, ...(e.sites && { sites: e.sites }) });
      return true;
    }
    logError('report query failed', { path, error: String(/** @type {Error} */ (e)?.message || e) });
    if (!res.headersSent) json(res, 500, { error: 'the report could not be computed' });
    else res.destroy();
  }
  return true;
}
