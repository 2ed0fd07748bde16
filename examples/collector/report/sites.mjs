// The sites of a store: one per write key. The report is always about one site (metrics.mjs):
// two sites' visitors, sessions and orders are different people and visits, even when their ids
// are the same, and their numbers do not add up to anything one reads as a site's (a bounce rate
// of two shops, revenue in two currencies). So a report without a site is the store's only site,
// and a store with several asks which one (SiteError, 400): a script written when there was one
// site fails loudly when a second appears rather than silently mixing them.
//
// The list comes from the per-day rollup (rollups.mjs), which has a row per site and day for every
// event stored: a few rows per site and day, never a scan of the events.
import { sorted, sql } from './sql.mjs';

/** @typedef {import('./metrics.mjs').Store} Store */

/** The longest `site` a request may name (write keys are short tokens). */
export const MAX_SITE_LENGTH = 200;
/** The most sites listed (an open collector takes any write key: the busiest ones first). */
export const MAX_SITES = 1000;

/** A site the report cannot be about: unknown (404), or not chosen among several (400). */
export class SiteError extends Error {
  /**
   * @param {400 | 404} status @param {string} message
   * @param {SiteInfo[]} [sites]  the sites to choose from
   */
  constructor(status, message, sites) {
    super(message);
    this.name = 'SiteError';
    this.status = status;
    this.sites = sites;
  }
}

/**
 * @typedef {{ site: string, events: number, firstDay: string, lastDay: string }} SiteInfo
 *   a write key, its events stored and the UTC days of its first and last
 */

/**
 * The `site` of a request: undefined when it names none; `site=` (empty) is the site of the
 * events sent without a write key. Throws a RangeError for a value over MAX_SITE_LENGTH.
 *
 * @param {URLSearchParams} q @returns {string | undefined}
 */
export function parseSite(q) {
  const site = q.get('site');
  if (site == null) return undefined;
  if (site.length > MAX_SITE_LENGTH) throw new RangeError(`site: at most ${MAX_SITE_LENGTH} characters`);
  return site;
}

/** YYYY-MM-DD of a UTC day number. @param {unknown} day */
const dayText = (day) => new Date(Number(day) * 86_400_000).toISOString().slice(0, 10);

/**
 * The store's sites, the busiest first (then by write key), at most MAX_SITES.
 *
 * @param {Store} store @returns {Promise<SiteInfo[]>}
 */
export async function listSites(store) {
  const q = sorted(
    store.dialect,
    sql`SELECT write_key AS site, SUM(events) AS events, MIN(day) AS first_day, MAX(day) AS last_day
      FROM rollup_days GROUP BY write_key`,
    [
      ['events', 'desc', 'num'],
      ['site', 'asc', 'text'],
    ],
    MAX_SITES,
  );
  return (await store.all(q.text, q.params)).map((r) => ({
    site: String(r.site),
    events: Number(r.events),
    firstDay: dayText(r.first_day),
    lastDay: dayText(r.last_day),
  }));
}

/**
 * The site a report is about: `site` when the store has events under it (else a SiteError 404);
 * without one, the store's only site ('' for an empty store, whose report is empty), or a
 * SiteError 400 listing them when there are several. Two lookups on rollup_days' key at most.
 *
 * @param {Store} store @param {string} [site] @returns {Promise<string>}
 */
export async function resolveSite(store, site) {
  if (site !== undefined) {
    if (typeof site != 'string' || site.length > MAX_SITE_LENGTH) throw new SiteError(400, 'site: not a write key');
    const found = await store.all('SELECT 1 AS found FROM rollup_days WHERE write_key = ? LIMIT 1', [site]);
    if (!found.length) throw new SiteError(404, 'no events under this site (write key)');
    return site;
  }
  const [{ lo, hi }] = await store.all('SELECT MIN(write_key) AS lo, MAX(write_key) AS hi FROM rollup_days');
  if (lo == null) return '';
  if (lo === hi) return String(lo);
  throw new SiteError(
    400,
    'this store holds the events of several sites (write keys): choose one with site=',
    await listSites(store),
  );
}
