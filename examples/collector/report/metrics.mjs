// The engagement report's metrics, each one SQL query run by the database (SQLite or
// PostgreSQL, through the store's `all`), so they scale with it: nothing is aggregated in
// JavaScript, which only renames and checks types. The dialect differences live in sql.mjs.
import { dayLabel, dayOf, eventsOfSite, join, percentile, ratio, raw, sorted, sql } from './sql.mjs';
import { BOUNCE_ENGAGED_MS, KEY_EVENTS, facts, formEventsOf } from './facts.mjs';
import { VITALS } from '../rollups.mjs';
import {
  CUSTOMER_COLUMNS,
  CUSTOMER_DEFINITIONS,
  CUSTOMER_SUMMARY,
  CUSTOMER_TABLES,
  customerSummaryParts,
  customerSummaryQuery,
} from './customers.mjs';
import { resolveSite } from './sites.mjs';
import {
  BOUNCED,
  FUNNEL_COLUMNS,
  GROUP_COLUMNS,
  SESSION_ROW,
  cacheCtes,
  cachedMedians,
  referrerHost,
  refreshDayCache,
  usesDayCache,
} from './dayCache.mjs';
import { refreshCohortCache } from './cohortCache.mjs';
import { activityCtes, liveDays, refreshActivityCache } from './activityCache.mjs';
import { sharedOrders } from './sharedOrders.mjs';

/** @typedef {import('./sql.mjs').Dialect} Dialect @typedef {import('./sql.mjs').Sql} Sql */
/** @typedef {{ dialect: Dialect, all: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>, batch?: import('../store.mjs').Batch, connect?: () => Promise<import('../store.mjs').Connection> }} Store */
/** @typedef {{ from: number, to: number }} Range  ms since the epoch, `to` excluded */
/**
 * @typedef {Range & { site: string, latest?: boolean }} Scope  a range of one site's events (its write
 *   key): what every query counts. `latest`: from the rollups, the range reaches every visitor's last
 *   day (withLatest), so its visitors are counted from their spans.
 */
/** @typedef {'raw' | 'rollup'} Source  where the numbers come from: the events, or the rollups kept at ingest */
/** @typedef {'text' | 'int' | 'num' | 'ms' | 'rate' | 'percent' | 'money' | 'date'} ColumnType */
/** @typedef {{ key: string, label: string, type: ColumnType }} Column */

export const DAY = 86_400_000;
export { BOUNCE_ENGAGED_MS, KEY_EVENTS };
/** The longest range accepted: the daily series has one row per day. */
const MAX_DAYS = 3660;

/**
 * The date range of a request. `from` and `to` are ms since the epoch or ISO dates/times; a bare
 * date `to` (YYYY-MM-DD, what a date input gives) includes that whole UTC day. Without them: the
 * last 30 UTC days, today included. Throws a RangeError with a reason for bad input.
 *
 * @param {URLSearchParams} q
 * @param {number} [now]
 * @returns {Range}
 */
export function parseRange(q, now = Date.now()) {
  const parse = (/** @type {string | null} */ v, /** @type {boolean} */ end) => {
    if (v == null || v === '') return undefined;
    if (/^\d{1,15}$/.test(v)) return Number(v);
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
      const t = Date.parse(v + 'T00:00:00Z');
      if (Number.isNaN(t)) throw new RangeError(`${end ? 'to' : 'from'}: not a date: ${v}`);
      return end ? t + DAY : t;
    }
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new RangeError(`${end ? 'to' : 'from'}: not a date or a time in ms: ${v.slice(0, 40)}`);
    return t;
  };
  let from = parse(q.get('from'), false);
  let to = parse(q.get('to'), true);
  if (to === undefined) to = from === undefined ? Math.floor(now / DAY) * DAY + DAY : Math.max(now, from + 1);
  if (from === undefined) from = to - 30 * DAY;
  if (from < 0 || from >= to) throw new RangeError('from must be before to');
  if (to - from > MAX_DAYS * DAY) throw new RangeError(`the range is limited to ${MAX_DAYS} days`);
  return { from, to };
}

/** @param {number} ms */
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The metrics' meanings, shown on the dashboard and returned by the API. */
export const DEFINITIONS = {
  range:
    'Events with from ≤ capture time < to (capture time corrected for client clock skew). Days are UTC days; a date given as to includes that whole day. Only events in the range count, so a session that crosses a boundary counts with its part in the range.',
  visitor: 'A browser, identified by its anonymous id.',
  session:
    'A visit as engagekit counts it (context.session.id): it ends after 30 minutes without an event or when the visitor arrives from another campaign.',
  visitors: 'Distinct anonymous ids with an event in the range.',
  sessions: 'Distinct session ids with an event in the range.',
  pageviews: 'Page messages (type "page") in the range, single-page-app navigations included.',
  returningVisitors:
    'Visitors with a session numbered above 1 (session.index > 1), with more than one session in the range, or with an event before the range.',
  returningVisitorRate: 'Returning visitors ÷ visitors.',
  bounces: `Sessions with at most one page view, under ${BOUNCE_ENGAGED_MS / 1000} s of engaged time (sum of Page Engagement engaged_ms) and no key event (${KEY_EVENTS.join(', ')}).`,
  bounceRate: 'Bounces ÷ sessions.',
  avgSessionDurationMs:
    'Average over sessions of (last event time − first event time). The last event is usually the final Page Engagement, so the time on the last page counts. A one-event session lasts 0.',
  medianSessionDurationMs: 'Median of the same session durations (linear interpolation between the two middle values).',
  avgEngagedMsPerSession:
    'Average over sessions of their engaged time: the sum of engaged_ms of their Page Engagement events (time the page was visible, focused and in use).',
  medianEngagedMsPerSession: 'Median of the same engaged times per session.',
  pagesPerVisit: 'Page views in sessions ÷ sessions.',
  cartStarts: 'Cart Started events (one per cart).',
  checkoutStarts: 'Checkout Started events (one per cart).',
  cartSessions: 'Sessions with a Cart Started event.',
  abandonedCartSessions: 'Sessions with a Cart Started event and no Order Completed event.',
  cartAbandonmentRate:
    'Sessions with Cart Started and no Order Completed in the same session ÷ sessions with Cart Started. An order placed in a later session still counts its cart as abandoned.',
  orders: 'Distinct orders: Order Completed events, one per order_id (the message id when there is none).',
  revenue:
    'Sum over orders of their revenue, or their total when an order has no revenue (amounts beyond ±10¹² are ignored). Currencies are not converted.',
  currency:
    "The orders' currency (an ISO 4217 code, three capital letters; other values such as '€' are ignored); 'mixed' when they use several, none when no order names one.",
  averageOrderValue: 'Revenue ÷ orders that carry a revenue or total.',
  convertedSessions: 'Sessions with an Order Completed event.',
  conversionRate: 'Sessions with an Order Completed event ÷ sessions.',
  pages:
    'Per page path: page views, visitors, the average engaged time of a page view (sum of the engaged_ms of its Page Engagement reports, a page view being a session, its page count and the path within one UTC day: one whose reports go on past midnight counts once on each day; only page views that reported) and the average scroll depth (the deepest point in % of the page, from each page view’s final report).',
  landingPages:
    'Per landing path of the sessions’ Session Started events: sessions, bounce rate and conversion rate of those sessions.',
  referrers:
    'Per referring host of Session Started (“(direct)” without a referrer): sessions, bounce rate and conversion rate.',
  campaigns:
    'Per utm_source, utm_medium and utm_campaign of Session Started (sessions with at least one of them): sessions, conversion rate, orders and revenue.',
  forms:
    'Per form (its id, else its name, else its action path): Form Started, Form Submitted and Form Abandoned events; submit rate = submitted ÷ started, abandon rate = abandoned ÷ started; average time from the first interaction to the submit.',
  formFields:
    'Per form, the last field touched before a Form Abandoned (where people give up): abandons and their share of the form’s abandons.',
  webVitals:
    'Per page path of the Web Vitals events: the 75th percentile (interpolated, as Google reports them) of LCP, INP, FCP and TTFB in ms and of CLS. Good at or below LCP 2500, INP 200, CLS 0.1, FCP 1800, TTFB 800.',
  funnel:
    'Sessions that reached each step and every step before it (in any order within the session): all sessions → Product Viewed → Product Added (or Cart Started) → Checkout Started → the checkout steps, where the checkout reports them (Checkout Step Completed step 1 contact, 2 address, 3 shipping; Payment Info Entered, step 4: the GA4 bridge, the Shopify pixel) → Order Completed, which needs the steps before Checkout Started only (a checkout that reports no steps still orders); each as a share of all sessions and of the previous step.',
  sessionsPerDay:
    'Per UTC day of the range, by the day of each session’s first event in the range: sessions, visitors, page views, bounces and sessions with an order.',
  ...CUSTOMER_DEFINITIONS,
};

/** @param {string} key @param {string} label @param {ColumnType} type @returns {Column} */
const col = (key, label, type) => ({ key, label, type });

/** The tables' columns, in order: the API's rows carry these keys, CSVs have these headers. */
export const COLUMNS = {
  pages: [
    col('path', 'Page', 'text'),
    col('pageviews', 'Page views', 'int'),
    col('visitors', 'Visitors', 'int'),
    col('avg_engaged_ms', 'Avg engaged time', 'ms'),
    col('avg_scroll_depth', 'Avg scroll depth', 'percent'),
  ],
  landingPages: [
    col('landing_path', 'Landing page', 'text'),
    col('sessions', 'Sessions', 'int'),
    col('bounce_rate', 'Bounce rate', 'rate'),
    col('conversion_rate', 'Conversion rate', 'rate'),
  ],
  referrers: [
    col('referrer', 'Referrer', 'text'),
    col('sessions', 'Sessions', 'int'),
    col('bounce_rate', 'Bounce rate', 'rate'),
    col('conversion_rate', 'Conversion rate', 'rate'),
  ],
  campaigns: [
    col('source', 'Source', 'text'),
    col('medium', 'Medium', 'text'),
    col('campaign', 'Campaign', 'text'),
    col('sessions', 'Sessions', 'int'),
    col('conversion_rate', 'Conversion rate', 'rate'),
    col('orders', 'Orders', 'int'),
    col('revenue', 'Revenue', 'money'),
  ],
  forms: [
    col('form', 'Form', 'text'),
    col('started', 'Started', 'int'),
    col('submitted', 'Submitted', 'int'),
    col('abandoned', 'Abandoned', 'int'),
    col('submit_rate', 'Submit rate', 'rate'),
    col('abandon_rate', 'Abandon rate', 'rate'),
    col('avg_submit_ms', 'Avg time to submit', 'ms'),
  ],
  formFields: [
    col('form', 'Form', 'text'),
    col('field', 'Last field', 'text'),
    col('abandons', 'Abandons', 'int'),
    col('share', 'Share of abandons', 'rate'),
  ],
  webVitals: [
    col('path', 'Page', 'text'),
    col('samples', 'Page views measured', 'int'),
    col('lcp_p75', 'LCP p75 (ms)', 'num'),
    col('inp_p75', 'INP p75 (ms)', 'num'),
    col('cls_p75', 'CLS p75', 'num'),
    col('fcp_p75', 'FCP p75 (ms)', 'num'),
    col('ttfb_p75', 'TTFB p75 (ms)', 'num'),
  ],
  funnel: [
    col('step', 'Step', 'text'),
    col('sessions', 'Sessions', 'int'),
    col('rate_of_start', 'Of all sessions', 'rate'),
    col('rate_of_previous', 'Of previous step', 'rate'),
  ],
  sessionsPerDay: [
    col('day', 'Day (UTC)', 'date'),
    col('sessions', 'Sessions', 'int'),
    col('visitors', 'Visitors', 'int'),
    col('pageviews', 'Page views', 'int'),
    col('bounces', 'Bounces', 'int'),
    col('conversions', 'Sessions with an order', 'int'),
  ],
  ...CUSTOMER_COLUMNS,
};

/** The summary's keys and types, in the order the dashboard shows them. */
export const SUMMARY = /** @type {const} */ ([
  ['visitors', 'int'],
  ['sessions', 'int'],
  ['pageviews', 'int'],
  ['returningVisitors', 'int'],
  ['returningVisitorRate', 'rate'],
  ['bounces', 'int'],
  ['bounceRate', 'rate'],
  ['avgSessionDurationMs', 'ms'],
  ['medianSessionDurationMs', 'ms'],
  ['avgEngagedMsPerSession', 'ms'],
  ['medianEngagedMsPerSession', 'ms'],
  ['pagesPerVisit', 'num'],
  ['cartStarts', 'int'],
  ['cartSessions', 'int'],
  ['abandonedCartSessions', 'int'],
  ['cartAbandonmentRate', 'rate'],
  ['checkoutStarts', 'int'],
  ['orders', 'int'],
  ['revenue', 'money'],
  ['currency', 'text'],
  ['averageOrderValue', 'money'],
  ['convertedSessions', 'int'],
  ['conversionRate', 'rate'],
  ...CUSTOMER_SUMMARY,
]);

/**
 * The common table expressions every query starts from: `ev` (the range's events), `sess` (one
 * row per session, with where it came from), `ord` (one row per order), `land` (the sessions with a Session
 * Started), `vis` (one row per visitor), `seen` (the range's visitors seen before it) and `tot`
 * (event counts). Unreferenced ones cost nothing: neither database evaluates a CTE no query reads.
 *
 * From `rollup` (a range of whole UTC days), all but `ev` read the rollup tables kept at ingest
 * (rollups.mjs); from `raw`, the events. Both give the same numbers: the rollups hold, per session
 * and day (per order and day, …), the same aggregates of the same expressions (facts.mjs), and
 * every aggregate used (min, max, sum, count of distinct keys) combines exactly across days.
 * Both count the site's events only (`r.site`, the write key; the rollups' first key column).
 *
 * With `cached` (rollup only, a store whose report keeps the day cache, dayCache.mjs, refreshed
 * for the range): also the cache's CTEs and `sess_live`, the sessions it does not hold (of several
 * days, or of a day it has no current rows for), read one by one, with `bounced`.
 *
 * @param {Dialect} d @param {Scope} r @param {'raw' | 'rollup'} [source] @param {boolean} [cached] @returns {Sql}
 */
function base(d, r, source = 'raw', cached = false) {
  const f = facts(d);
  const ev = sql`ev AS (
    SELECT message_id, type, event, anonymous_id, session_id, session_index, page_count, path, ts, properties
    FROM events WHERE ${eventsOfSite(d, 'write_key', r.site)} AND ts >= ${r.from} AND ts < ${r.to})`;
  const sess = sql`sess AS (SELECT sess_raw.*, ${raw(BOUNCED)} AS bounced FROM sess_raw)`;
  if (source === 'rollup') {
    const days = siteDays(r);
    // Inlined: they are whole numbers, and the partial index needs its condition seen as such.
    const fromDay = raw(String(Math.floor(r.from / DAY)));
    const toDay = raw(String(Math.floor(r.to / DAY)));
    const boundary = sql`SELECT session_id AS crossing_id FROM rollup_session_totals
      WHERE write_key = ${r.site} AND first_day < last_day AND last_day >= ${fromDay} AND first_day < ${toDay} AND (first_day < ${fromDay} OR last_day >= ${toDay})`;
    // Their days, looked up by session (the key): PostgreSQL, which cannot estimate how few they
    // are, otherwise scanned every session row of the range to join them (2.4 s at 10M events);
    // OFFSET 0 keeps it from turning the lookup back into that join.
    const crossing =
      d === 'postgres'
        ? sql`(${boundary}) b CROSS JOIN LATERAL (SELECT * FROM rollup_sessions WHERE session_id = b.crossing_id AND ${days} OFFSET 0) rs`
        : sql`rollup_sessions WHERE ${days} AND session_id IN (${boundary})`;
    const regrouped = sql`SELECT session_id, MIN(anonymous_id) AS anonymous_id, MAX(session_index) AS session_index,
      MIN(first_ts) AS started, MAX(last_ts) - MIN(first_ts) AS duration_ms, SUM(pageviews) AS pageviews,
      SUM(engaged_ms) AS engaged_ms, MAX(key_event) AS key_event, MAX(cart) AS cart, MAX(checkout) AS checkout, MAX(ordered) AS ordered,
      MAX(viewed) AS viewed, MAX(added) AS added, MAX(checkout_step) AS checkout_step,
      MAX(started) AS has_land, MIN(landing_path) AS landing_path, MIN(referrer) AS referrer, MIN(source) AS source,
      MIN(medium) AS medium, MIN(campaign) AS campaign
    FROM ${crossing}
    GROUP BY session_id`;
    // The sessions the day cache does not hold: those of several days (their partial index;
    // `multi` 1), and the one-day sessions of the days it has no current rows for (their days,
    // then their rows).
    const live = cached
      ? sql`,
  ${cacheCtes(r)},
  ${activityCtes(r)},
  sess_live AS (SELECT l.*, ${raw(BOUNCED)} AS bounced FROM (
    SELECT ${raw(SESSION_ROW)}, 1 AS multi FROM rollup_session_totals${raw(d === 'sqlite' ? ' INDEXED BY rollup_session_totals_span' : '')}
    WHERE write_key = ${r.site} AND first_day < last_day AND last_day >= ${fromDay} AND last_day < ${toDay} AND first_day >= ${fromDay}
    UNION ALL
    SELECT ${raw(SESSION_ROW)}, 0 FROM stale CROSS JOIN ${
      d === 'postgres'
        ? // Day by day, fenced: PostgreSQL, which cannot tell how few the stale days are, hashed
          // them against a scan of every session of the site (0.9 s at 10M events).
          sql`LATERAL (SELECT * FROM rollup_session_totals
      WHERE write_key = ${r.site} AND first_day = stale.day AND last_day = first_day OFFSET 0) t`
        : sql`rollup_session_totals WHERE write_key = ${r.site} AND first_day = stale.day AND last_day = first_day`
    }
    UNION ALL
    SELECT rg.*, 1 FROM (${regrouped}) rg) l)`
      : raw('');
    return sql`${ev},
  -- Sessions whose every day is in the range: their row over all days, as it is. Those that
  -- cross an end of the range (sessions of several days, a partial index): their days in the
  -- range, regrouped.
  sess_raw AS (
    SELECT ${raw(SESSION_ROW)}
    FROM rollup_session_totals WHERE write_key = ${r.site} AND first_day >= ${fromDay} AND first_day < ${toDay} AND last_day < ${toDay}
    UNION ALL
    ${regrouped}),
  ${sess},
  land AS (SELECT * FROM sess WHERE has_land = 1),
  ord AS (
    SELECT order_key, MAX(amount) AS amount, MAX(currency) AS currency, MIN(session_id) AS session_id,
      COUNT(*) AS n_days, MIN(day) AS day
    FROM rollup_orders WHERE ${days} GROUP BY order_key),
  -- Two sessions or more: the smallest and largest session keys differ (no distinct count needed).
  vis AS (
    SELECT anonymous_id, CASE WHEN MIN(NULLIF(session_key, '')) < MAX(NULLIF(session_key, '')) THEN 1 ELSE 0 END AS several_sessions,
      MAX(session_index) AS max_index
    FROM rollup_visitors WHERE ${days} GROUP BY anonymous_id),
  -- Seen before the range: a first day before it (not a read of every earlier day of the site).
  seen AS (SELECT anonymous_id FROM rollup_visitor_firsts WHERE write_key = ${r.site} AND first_day < ${fromDay} AND anonymous_id IN (SELECT anonymous_id FROM vis)),
  ${visitorCounts(d, r, fromDay, toDay)},
  tot AS (
    SELECT COALESCE(SUM(pageviews), 0) AS pageviews, COALESCE(SUM(cart_starts), 0) AS cart_starts, COALESCE(SUM(checkout_starts), 0) AS checkout_starts
    FROM rollup_days WHERE ${days})${live}`;
  }
  return sql`${ev},
  sess_raw AS (
    SELECT session_id, MIN(anonymous_id) AS anonymous_id, MAX(session_index) AS session_index,
      MIN(ts) AS started, MAX(ts) - MIN(ts) AS duration_ms, SUM(${f.page}) AS pageviews,
      COALESCE(SUM(${f.engaged}), 0) AS engaged_ms, MAX(${f.keyEvent}) AS key_event,
      MAX(${f.cart}) AS cart, MAX(${f.checkout}) AS checkout, MAX(${f.ordered}) AS ordered,
      MAX(${f.viewed}) AS viewed, MAX(${f.added}) AS added, MAX(${f.checkoutStep}) AS checkout_step,
      MAX(${f.sessionStarted}) AS has_land, MIN(${f.landingPath}) AS landing_path, MIN(${f.referrer}) AS referrer,
      MIN(${f.source}) AS source, MIN(${f.medium}) AS medium, MIN(${f.campaign}) AS campaign
    FROM ev WHERE session_id IS NOT NULL GROUP BY session_id),
  ${sess},
  land AS (SELECT * FROM sess WHERE has_land = 1),
  ord AS (
    SELECT order_key, MAX(amount) AS amount, MAX(currency) AS currency, MIN(session_id) AS session_id
    FROM (SELECT ${f.orderKey} AS order_key, ${f.amount} AS amount, ${f.currency} AS currency, session_id
      FROM ev WHERE event = 'Order Completed') o
    GROUP BY order_key),
  vis AS (SELECT anonymous_id, CASE WHEN COUNT(DISTINCT session_id) > 1 THEN 1 ELSE 0 END AS several_sessions, MAX(session_index) AS max_index
    FROM ev WHERE anonymous_id IS NOT NULL GROUP BY anonymous_id),
  -- Seen before the range: one pass over the earlier events (a semi-join), not a lookup per
  -- visitor, which would scan the table once per visitor where anonymous_id has no index.
  seen AS (SELECT DISTINCT anonymous_id FROM events WHERE ${eventsOfSite(d, 'write_key', r.site)} AND ts < ${r.from} AND anonymous_id IN (SELECT anonymous_id FROM vis)),
  ${visitorCounts(d, r)},
  tot AS (SELECT COALESCE(SUM(${f.page}), 0) AS pageviews, COALESCE(SUM(${f.cart}), 0) AS cart_starts,
    COALESCE(SUM(${f.checkout}), 0) AS checkout_starts FROM ev)`;
}

/**
 * `vcount` (n: the range's visitors) and `vret` (n: its returning visitors: two sessions or more
 * in it, a session index above 1, or seen before it). With `r.latest`, from the visitors' spans
 * (rollup_visitor_firsts): the visitors are those whose last day is in the range, and as none is
 * active after it, a visitor first seen in it has all its sessions in it, so its span's sessions
 * and index are its range's. PostgreSQL counts these two and customers.mjs' churned visitors (those
 * whose last day is in the period of the range's length before it) in one scan of the spans,
 * `vspan`: as three counts it scanned every visitor of the site three times (the counts alone at 10M
 * events: 122–135 ms, one scan 90–105 ms). SQLite keeps a count each, read from an index that holds
 * its columns (the index on last day, or the table's key from the first day on): one CTE of the
 * three took its customer summary at 10M from 613–647 to 705–935 ms. Else from `vis` and `seen`.
 * @param {Dialect} d @param {Scope} r @param {Sql} [fromDay] @param {Sql} [toDay]  the range's days, for the spans
 * @returns {Sql}
 */
function visitorCounts(d, r, fromDay, toDay) {
  if (r.latest && fromDay && toDay) {
    const days = Math.round((r.to - r.from) / DAY);
    const previousDay = raw(String(Math.floor(r.from / DAY) - days));
    const severalSessions = raw('(max_index > 1 OR min_session < max_session)');
    if (d === 'postgres') {
      const count = (/** @type {Sql} */ cond) => sql`COALESCE(SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END), 0)`;
      return sql`vspan AS (SELECT ${count(sql`last_day >= ${fromDay}`)} AS visitors,
      ${count(sql`last_day >= ${fromDay} AND (first_day < ${fromDay} OR (first_day < ${toDay} AND ${severalSessions}))`)} AS returning_visitors,
      ${count(sql`last_day < ${fromDay}`)} AS churned
    FROM rollup_visitor_firsts WHERE write_key = ${r.site} AND last_day >= ${previousDay}),
  vcount AS (SELECT visitors AS n FROM vspan),
  vret AS (SELECT returning_visitors AS n FROM vspan)`;
    }
    const firsts = sql`SELECT COUNT(*) FROM rollup_visitor_firsts WHERE write_key = ${r.site} AND`;
    return sql`vcount AS (SELECT (${firsts} last_day >= ${fromDay}) AS n),
  vret AS (SELECT (${firsts} last_day >= ${fromDay} AND first_day < ${fromDay})
    + (${firsts} first_day >= ${fromDay} AND first_day < ${toDay} AND ${severalSessions}) AS n)`;
  }
  return sql`vcount AS (SELECT COUNT(*) AS n FROM vis),
  vret AS (${
    d === 'postgres'
      ? // A join: PostgreSQL runs IN (a subquery) inside CASE as a subplan, hashed only while it
        // expects the subquery to fit in work_mem, else a scan of seen for every visitor: the
        // 7-day report over 10M events did not end (300,000 × 570,000 rows).
        sql`SELECT COALESCE(SUM(CASE WHEN vis.max_index > 1 OR vis.several_sessions = 1 OR seen.anonymous_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS n
    FROM vis LEFT JOIN seen ON seen.anonymous_id = vis.anonymous_id`
      : // IN, not a LEFT JOIN: SQLite ran that join as a scan of seen for every visitor (IN makes
        // it an index of seen).
        sql`SELECT COALESCE(SUM(CASE WHEN max_index > 1 OR several_sessions = 1 OR anonymous_id IN (SELECT anonymous_id FROM seen) THEN 1 ELSE 0 END), 0) AS n
    FROM vis`
  })`;
}

/**
 * The rollup rows of a scope: its site's, on the range's days (whole UTC days).
 * @param {Scope} r @returns {Sql}
 */
function siteDays(r) {
  return sql`write_key = ${r.site} AND day >= ${Math.floor(r.from / DAY)} AND day < ${Math.floor(r.to / DAY)}`;
}

/**
 * The sessions a session table reads, as rows of counts and sums (GROUP_COLUMNS' names, plus the
 * columns `keys` names): with the day cache, the cached days' groups and the other sessions one by
 * one (`sess_live`, each a group of one); without, every session (`sess`).
 *
 * @param {boolean} cached @param {string} keys  columns of both the groups and the sessions (`has_land`, …)
 * @param {string} [where]  a condition on both
 * @param {string} [from]  the sessions: `sess_live` or `sess`, or a CTE over them that adds `keys`
 * @returns {Sql}
 */
function sessionGroups(cached, keys, where = '1 = 1', from = cached ? 'sess_live' : 'sess') {
  const each = `SELECT ${keys}, ${SESSION_SUMS} FROM ${from} WHERE ${where}`;
  return raw(
    cached
      ? `SELECT ${keys}, ${GROUP_COLUMNS.map(([c]) => c).join(', ')} FROM cg WHERE ${where} UNION ALL ${each}`
      : each,
  );
}
/** One session's row as a group of one (GROUP_COLUMNS, over `sess`' names). */
const SESSION_SUMS = GROUP_COLUMNS.map(([c, e]) => `${e} AS ${c}`).join(', ');

/** @type {Record<string, (d: Dialect, r: Scope, limit?: number, src?: Source, cached?: boolean, orders?: Sql) => Sql>} */
const TABLE_QUERIES = {
  pages: (d, r, limit, src, cached = false) => {
    const f = facts(d);
    const rolled = src === 'rollup';
    const days = siteDays(r);
    // Per day and path: from the activity cache (activityCache.mjs) for its current days, from the
    // page views for the others.
    const perDay = cached
      ? sql`SELECT path, engaged_sum, engaged_n, depth_sum, depth_n FROM activity_cache_pages
        WHERE write_key = ${r.site} AND (day, version) IN (SELECT day, version FROM avalid)
        UNION ALL
        SELECT t.path, SUM(t.engaged), COUNT(t.engaged), SUM(t.depth), COUNT(t.depth)
        FROM ${liveDays(d, r, 'rollup_page_views')} GROUP BY t.day, t.path`
      : sql`SELECT day, path, SUM(engaged) AS engaged_sum, COUNT(engaged) AS engaged_n, SUM(depth) AS depth_sum, COUNT(depth) AS depth_n
        FROM rollup_page_views WHERE ${days} GROUP BY day, path`;
    return sql`WITH ${base(d, r, src, cached)},
    pv AS (${
      rolled && r.latest
        ? // No visitor is active after the range (withLatest): a page's visitors are those whose
          // last day on it is in the range, counted in the index on (page, last day).
          sql`SELECT path, SUM(pageviews) AS pageviews, (SELECT COUNT(*) FROM rollup_page_visitor_lasts l
        WHERE l.write_key = ${r.site} AND l.path = pd.path AND l.last_day >= ${Math.floor(r.from / DAY)}) AS visitors
      FROM rollup_page_days pd WHERE ${days} GROUP BY path`
        : rolled
          ? sql`SELECT path, SUM(pageviews) AS pageviews, SUM(CASE WHEN anon_key = '' THEN 0 ELSE 1 END) AS visitors
      FROM (SELECT path, anon_key, SUM(pageviews) AS pageviews FROM rollup_page_visitors WHERE ${days} GROUP BY path, anon_key) pa
      GROUP BY path`
          : sql`SELECT ${f.viewPath} AS path, COUNT(*) AS pageviews, COUNT(DISTINCT anonymous_id) AS visitors
      FROM ev WHERE type = 'page' GROUP BY ${f.viewPath}`
    }),
    -- A page view: a session, its page count and the path, within one UTC day. The rollup has
    -- one row per page view, read in order of day and path: sums and counts per day and path,
    -- added over the days (no regrouping of the page views).
    eng AS (${
      rolled
        ? sql`SELECT path, ${ratio('SUM(engaged_sum)', 'SUM(engaged_n)')} AS avg_engaged_ms, ${ratio('SUM(depth_sum)', 'SUM(depth_n)')} AS avg_scroll_depth
      FROM (${perDay}) pd
      GROUP BY path`
        : sql`SELECT path, AVG(engaged) AS avg_engaged_ms, AVG(depth) AS avg_scroll_depth
      FROM (SELECT path, SUM(engaged) AS engaged, MAX(depth) AS depth
        FROM (SELECT ${f.engagementPath} AS path, session_id, page_count, ${dayOf(d, 'ts')} AS day, ${f.engagedMs} AS engaged, ${f.finalDepth} AS depth
          FROM ev WHERE event = 'Page Engagement') e
        GROUP BY path, session_id, page_count, day) views
      GROUP BY path`
    }),
    paths AS (SELECT path FROM pv UNION SELECT path FROM eng)
    ${sorted(
      d,
      sql`SELECT paths.path AS path, COALESCE(pv.pageviews, 0) AS pageviews, COALESCE(pv.visitors, 0) AS visitors,
        eng.avg_engaged_ms AS avg_engaged_ms, eng.avg_scroll_depth AS avg_scroll_depth
      FROM paths LEFT JOIN pv ON pv.path = paths.path LEFT JOIN eng ON eng.path = paths.path`,
      [
        ['pageviews', 'desc', 'num'],
        ['path', 'asc', 'text'],
      ],
      limit,
    )}`;
  },

  landingPages: (d, r, limit, src, cached = false) => sql`WITH ${base(d, r, src, cached)}
    ${sorted(
      d,
      sql`SELECT landing_path, SUM(sessions) AS sessions, ${ratio('SUM(bounces)', 'SUM(sessions)')} AS bounce_rate, ${ratio('SUM(converted)', 'SUM(sessions)')} AS conversion_rate
      FROM (SELECT COALESCE(landing_path, '(unknown)') AS landing_path, sessions, bounces, converted
        FROM (${sessionGroups(cached, 'landing_path', 'has_land = 1')}) g) l
      GROUP BY landing_path`,
      [
        ['sessions', 'desc', 'num'],
        ['landing_path', 'asc', 'text'],
      ],
      limit,
    )}`,

  referrers: (d, r, limit, src, cached = false) => sql`WITH ${base(d, r, src, cached)},
    rs AS (SELECT *, ${referrerHost(d, 'referrer')} AS referrer_host FROM ${raw(cached ? 'sess_live' : 'sess')})
    ${sorted(
      d,
      sql`SELECT referrer, SUM(sessions) AS sessions, ${ratio('SUM(bounces)', 'SUM(sessions)')} AS bounce_rate, ${ratio('SUM(converted)', 'SUM(sessions)')} AS conversion_rate
      FROM (SELECT referrer_host AS referrer, sessions, bounces, converted
        FROM (${sessionGroups(cached, 'referrer_host', 'has_land = 1', 'rs')}) g) l
      GROUP BY referrer`,
      [
        ['sessions', 'desc', 'num'],
        ['referrer', 'asc', 'text'],
      ],
      limit,
    )}`,

  // With the day cache: the campaign sessions from the cached groups and the other sessions; the
  // range's orders each looked up by session when it is a one-day session of the range (its row
  // in rollup_session_totals), else matched to the sessions of several days by grouping, as
  // `cs` does (a join with sess_live, a CTE, was a scan of it per order: 18 s at 1M events).
  campaigns: (d, r, limit, src, cached = false) => {
    const utm = 'has_land = 1 AND (source IS NOT NULL OR medium IS NOT NULL OR campaign IS NOT NULL)';
    const none = (/** @type {string} */ c) => `COALESCE(${c}, '(none)') AS ${c}`;
    const named = `${none('source')}, ${none('medium')}, ${none('campaign')}`;
    const rows = cached
      ? sql`SELECT ${raw(named)}, sessions, converted, 0 AS orders, CAST(NULL AS DOUBLE PRECISION) AS revenue
        FROM (${sessionGroups(true, 'source, medium, campaign', utm)}) g
      UNION ALL
      -- The orders of one day in the range, on a day the activity cache holds: its rows.
      SELECT ${raw(named)}, 0, 0, 1, amount FROM activity_cache_orders
      WHERE write_key = ${r.site} AND (day, version) IN (SELECT day, version FROM avalid)
        -- Not those of several days (few): a hashed list on PostgreSQL. (IN the single-day ones was a
        -- nested loop over the orders for every cached row there, and on SQLite a probe of the key
        -- for every valid day and order.)
        AND order_key NOT IN (SELECT order_key FROM ord WHERE n_days > 1)
      UNION ALL
      -- The others (several days, or a day it does not hold): each looked up by its session.
      SELECT ${raw(named)}, 0, 0, 1, o.amount FROM (SELECT * FROM ord
        WHERE NOT (n_days = 1 AND day IN (SELECT day FROM avalid))) o CROSS JOIN ${
          d === 'postgres'
            ? // By its key, fenced: without statistics (a store's rollups just rebuilt) PostgreSQL
              // chose the primary key's range of the site instead, a scan of every session per order.
              sql`LATERAL (SELECT * FROM rollup_session_totals WHERE write_key = ${r.site} AND session_id = o.session_id OFFSET 0) t WHERE true`
            : sql`rollup_session_totals t WHERE t.write_key = ${r.site} AND t.session_id = o.session_id`
        }
        AND t.first_day = t.last_day AND t.first_day >= ${Math.floor(r.from / DAY)} AND t.first_day < ${Math.floor(r.to / DAY)}
        AND t.started = 1 AND (t.source IS NOT NULL OR t.medium IS NOT NULL OR t.campaign IS NOT NULL)
      UNION ALL
      SELECT ${raw(named)}, 0, 0, orders, revenue FROM (
        SELECT MAX(source) AS source, MAX(medium) AS medium, MAX(campaign) AS campaign, SUM(is_order) AS orders, SUM(amount) AS revenue
        FROM (SELECT session_id, source, medium, campaign, 1 AS is_session, 0 AS is_order, CAST(NULL AS DOUBLE PRECISION) AS amount
            FROM sess_live WHERE multi = 1 AND ${raw(utm)}
          UNION ALL SELECT session_id, NULL, NULL, NULL, 0, 1, amount FROM ord WHERE session_id IS NOT NULL) x
        GROUP BY session_id HAVING MAX(is_session) = 1) om`
      : sql`SELECT ${raw(named)}, 1 AS sessions, ordered AS converted, orders, revenue FROM cs`;
    return sql`WITH ${base(d, r, src, cached)},
    -- The campaign sessions and the orders, side by side, then one row per session: a join by
    -- grouping. (SQLite ran land LEFT JOIN orders as a scan of the orders for every session.)
    camp AS (
      SELECT session_id, source, medium, campaign, ordered, 1 AS is_session, 0 AS is_order, CAST(NULL AS DOUBLE PRECISION) AS amount
      FROM land WHERE source IS NOT NULL OR medium IS NOT NULL OR campaign IS NOT NULL
      UNION ALL
      SELECT session_id, NULL, NULL, NULL, 0, 0, 1, amount FROM ord WHERE session_id IS NOT NULL),
    cs AS (
      SELECT MAX(source) AS source, MAX(medium) AS medium, MAX(campaign) AS campaign, MAX(ordered) AS ordered,
        SUM(is_order) AS orders, SUM(amount) AS revenue
      FROM camp GROUP BY session_id HAVING MAX(is_session) = 1)
    ${sorted(
      d,
      sql`SELECT source, medium, campaign, SUM(sessions) AS sessions, ${ratio('SUM(converted)', 'SUM(sessions)')} AS conversion_rate,
        COALESCE(SUM(orders), 0) AS orders, COALESCE(SUM(revenue), 0) AS revenue
      FROM (${rows}) c
      GROUP BY source, medium, campaign`,
      [
        ['sessions', 'desc', 'num'],
        ['source', 'asc', 'text'],
        ['medium', 'asc', 'text'],
        ['campaign', 'asc', 'text'],
      ],
      limit,
    )}`;
  },

  // From the rollups: the same counts and sums per form and day (rollup_form_days), added up.
  forms: (d, r, limit, src) => {
    const count = (/** @type {string} */ e) => `SUM(CASE WHEN event = '${e}' THEN 1 ELSE 0 END)`;
    const rows =
      src === 'rollup'
        ? sql`SELECT form, SUM(started) AS started, SUM(submitted) AS submitted, SUM(abandoned) AS abandoned,
        ${ratio('SUM(submitted)', 'SUM(started)')} AS submit_rate, ${ratio('SUM(abandoned)', 'SUM(started)')} AS abandon_rate,
        ${ratio('SUM(submit_ms_sum)', 'SUM(submit_ms_n)')} AS avg_submit_ms
      FROM rollup_form_days WHERE ${siteDays(r)} GROUP BY form`
        : sql`SELECT form, ${raw(count('Form Started'))} AS started, ${raw(count('Form Submitted'))} AS submitted, ${raw(count('Form Abandoned'))} AS abandoned,
        ${ratio(count('Form Submitted'), count('Form Started'))} AS submit_rate, ${ratio(count('Form Abandoned'), count('Form Started'))} AS abandon_rate,
        AVG(CASE WHEN event = 'Form Submitted' THEN time_ms END) AS avg_submit_ms
      FROM fe GROUP BY form`;
    return sql`WITH ${base(d, r, src)}, ${formEvents(d)}
    ${sorted(
      d,
      rows,
      [
        ['started', 'desc', 'num'],
        ['form', 'asc', 'text'],
      ],
      limit,
    )}`;
  },

  formFields: (d, r, limit, src) => sql`WITH ${base(d, r, src)}, ${formEvents(d)}
    ${sorted(
      d,
      src === 'rollup'
        ? sql`SELECT form, field, SUM(abandons) AS abandons, CAST(SUM(abandons) AS DOUBLE PRECISION) / SUM(SUM(abandons)) OVER (PARTITION BY form) AS share
      FROM rollup_form_fields WHERE ${siteDays(r)} GROUP BY form, field`
        : sql`SELECT form, field, COUNT(*) AS abandons, CAST(COUNT(*) AS DOUBLE PRECISION) / SUM(COUNT(*)) OVER (PARTITION BY form) AS share
      FROM (SELECT form, COALESCE(NULLIF(last_field, ''), '(none)') AS field FROM fe WHERE event = 'Form Abandoned') a
      GROUP BY form, field`,
      [
        ['abandons', 'desc', 'num'],
        ['form', 'asc', 'text'],
        ['field', 'asc', 'text'],
      ],
      limit,
    )}`,

  // From the events; from the rollups, webVitalsFromRollups gives the same rows.
  webVitals: (d, r, limit) => {
    const metrics = VITALS;
    // One row per (page view, metric), so a single percentile query covers the five metrics.
    const long = join(
      metrics.map((m) => raw(`SELECT path, '${m}' AS metric, ${m} AS v FROM wv WHERE ${m} IS NOT NULL`)),
      ' UNION ALL ',
    );
    const f = facts(d);
    return sql`WITH ${base(d, r, 'raw')},
      wv AS (SELECT ${f.engagementPath} AS path, ${join(metrics.map((m) => sql`${f.vital(m)} AS ${raw(m)}`))}
        FROM ev WHERE event = 'Web Vitals'),
      vlong AS (${long}),
      p75 AS (${percentile(d, 0.75, raw('vlong'), ['path', 'metric'], 'v')}),
      n AS (SELECT path, COUNT(*) AS samples FROM wv GROUP BY path)
      ${sorted(
        d,
        sql`SELECT n.path AS path, n.samples AS samples,
          ${join(metrics.map((m) => raw(`MAX(CASE WHEN p75.metric = '${m}' THEN p75.value END) AS ${m}_p75`)))}
        FROM n LEFT JOIN p75 ON p75.path = n.path
        GROUP BY n.path, n.samples`,
        [
          ['samples', 'desc', 'num'],
          ['path', 'asc', 'text'],
        ],
        limit,
      )}`;
  },

  funnel: (d, r, _limit, src, cached = false) => sql`WITH ${base(d, r, src, cached)},
    fs AS (SELECT ${raw(['sessions', ...FUNNEL_COLUMNS].map((c) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(', '))}
      FROM (${sessionGroups(cached, 'has_land')}) g),
    steps AS (
      SELECT 1 AS step_order, 'Sessions' AS step, sessions FROM fs
      UNION ALL SELECT 2, 'Product viewed', viewed FROM fs
      UNION ALL SELECT 3, 'Product added', f_added FROM fs
      UNION ALL SELECT 4, 'Checkout started', f_checkout FROM fs
      UNION ALL SELECT 5, 'Checkout: contact', f_step1 FROM fs
      UNION ALL SELECT 6, 'Checkout: address', f_step2 FROM fs
      UNION ALL SELECT 7, 'Checkout: shipping', f_step3 FROM fs
      UNION ALL SELECT 8, 'Checkout: payment', f_step4 FROM fs
      UNION ALL SELECT 9, 'Order completed', f_ordered FROM fs)
    SELECT step, sessions,
      ${ratio('sessions', 'FIRST_VALUE(sessions) OVER (ORDER BY step_order)')} AS rate_of_start,
      ${ratio('sessions', 'LAG(sessions) OVER (ORDER BY step_order)')} AS rate_of_previous
    FROM steps ORDER BY step_order`,

  // Visitors per day: with the day cache, a cached day's count plus the visitors of its other
  // sessions that its one-day sessions do not have.
  sessionsPerDay: (d, r, _limit, src, cached = false) => sql`WITH RECURSIVE days(d) AS (
      SELECT CAST(${Math.floor(r.from / DAY)} AS BIGINT)
      UNION ALL SELECT d + 1 FROM days WHERE d + 1 < CAST(${Math.ceil(r.to / DAY)} AS BIGINT)),
    ${base(d, r, src, cached)},
    sd AS (SELECT *, ${dayOf(d, 'started')} AS day FROM ${raw(cached ? 'sess_live' : 'sess')}),
    per AS (SELECT day AS d, SUM(sessions) AS sessions, SUM(pageviews) AS pageviews, SUM(bounces) AS bounces, SUM(converted) AS conversions
      FROM (${sessionGroups(cached, 'day', '1 = 1', 'sd')}) g GROUP BY day),
    pv AS (${
      cached
        ? sql`SELECT day AS d, visitors FROM valid
      UNION ALL SELECT day, COUNT(DISTINCT anonymous_id) FROM sd
      WHERE NOT EXISTS (SELECT 1 FROM day_cache_visitors cv JOIN valid ON valid.day = cv.day AND valid.changes = cv.changes
        WHERE cv.write_key = ${r.site} AND cv.day = sd.day AND cv.anonymous_id = sd.anonymous_id${raw(
          // A probe per visitor, fenced: PostgreSQL, which cannot tell how few the other sessions
          // are, made it an anti join reading and sorting every cached visitor (1.2 s of 1.3 at 10M).
          d === 'postgres' ? ' OFFSET 0' : '',
        )})
      GROUP BY day`
        : sql`SELECT day AS d, COUNT(DISTINCT anonymous_id) AS visitors FROM sd GROUP BY day`
    }),
    pvs AS (SELECT d, SUM(visitors) AS visitors FROM pv GROUP BY d)
    SELECT ${dayLabel(d, 'days.d')} AS day, COALESCE(per.sessions, 0) AS sessions, COALESCE(pvs.visitors, 0) AS visitors,
      COALESCE(per.pageviews, 0) AS pageviews, COALESCE(per.bounces, 0) AS bounces, COALESCE(per.conversions, 0) AS conversions
    FROM days LEFT JOIN per ON per.d = days.d LEFT JOIN pvs ON pvs.d = days.d ORDER BY days.d`,

  retention: (d, r, limit, src, cached) => CUSTOMER_TABLES.retention(d, r, base(d, r, src), limit, src, cached),
  orderRetention: (d, r, limit, src, cached, orders) =>
    CUSTOMER_TABLES.orderRetention(d, r, base(d, r, src), limit, src, cached, orders),
  customers: (d, r, limit, src, cached, orders) =>
    CUSTOMER_TABLES.customers(d, r, base(d, r, src), limit, src, cached, orders),
};

/** The tables that read the customer orders (customers.mjs), which a report shares (sharedOrders.mjs). */
const READ_ORDERS = ['customers', 'orderRetention'];

/** Tables shown whole on the dashboard (their rows are days, steps or weekly cohorts). */
const UNLIMITED = ['funnel', 'sessionsPerDay', 'retention', 'orderRetention'];

/** Form events with their form's key (facts.mjs' formEventsOf), from the range's events. @param {Dialect} d */
function formEvents(d) {
  return sql`fe AS (${formEventsOf(d, raw('ev'))})`;
}

/**
 * The summary. With the day cache (`cached`): its session numbers from the cached groups plus the
 * other sessions, and its medians NULL, for cachedMedians to give. `orders`: the report's shared
 * customer orders (sharedOrders.mjs).
 * @param {Dialect} d @param {Scope} r @param {Source} src @param {boolean} [cached] @param {Sql} [orders] @returns {Sql}
 */
function summaryQuery(d, r, src, cached = false, orders) {
  // The customer keys in the same query: they share its visitors (vis) and orders (ord).
  const customers = customerSummaryParts(d, r, src, orders, cached);
  const cnt = (/** @type {string} */ cond) => raw(`COALESCE(SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END), 0)`);
  const noValue = raw('SELECT CAST(NULL AS DOUBLE PRECISION) AS value');
  return sql`WITH ${base(d, r, src, cached)},
    v AS (SELECT vcount.n AS visitors, vret.n AS returning_visitors FROM vcount, vret),
    s AS (${
      cached
        ? sql`SELECT COALESCE(SUM(sessions), 0) AS sessions, COALESCE(SUM(bounces), 0) AS bounces, COALESCE(SUM(pageviews), 0) AS pageviews,
        ${ratio('SUM(duration_sum)', 'SUM(sessions)')} AS avg_duration, ${ratio('SUM(engaged_sum)', 'SUM(sessions)')} AS avg_engaged,
        COALESCE(SUM(converted), 0) AS converted, COALESCE(SUM(cart_sessions), 0) AS cart_sessions, COALESCE(SUM(abandoned), 0) AS abandoned_carts
      FROM (${sessionGroups(true, 'has_land')}) g`
        : sql`SELECT COUNT(*) AS sessions, COALESCE(SUM(bounced), 0) AS bounces, COALESCE(SUM(pageviews), 0) AS pageviews,
        AVG(CAST(duration_ms AS DOUBLE PRECISION)) AS avg_duration, AVG(CAST(engaged_ms AS DOUBLE PRECISION)) AS avg_engaged,
        COALESCE(SUM(ordered), 0) AS converted, COALESCE(SUM(cart), 0) AS cart_sessions, ${cnt('cart = 1 AND ordered = 0')} AS abandoned_carts
      FROM sess`
    }),
    o AS (SELECT COUNT(*) AS orders, COALESCE(SUM(amount), 0) AS revenue, AVG(amount) AS aov,
        CASE WHEN COUNT(DISTINCT currency) > 1 THEN 'mixed' ELSE MIN(currency) END AS currency
      FROM ord),
    md AS (${cached ? noValue : percentile(d, 0.5, raw('sess'), [], 'duration_ms', { reread: true })}),
    me AS (${cached ? noValue : percentile(d, 0.5, raw('sess'), [], 'engaged_ms', { reread: true })}),
    ${customers.ctes}
    SELECT v.visitors AS "visitors", s.sessions AS "sessions", e.pageviews AS "pageviews",
      v.returning_visitors AS "returningVisitors", ${ratio('v.returning_visitors', 'v.visitors')} AS "returningVisitorRate",
      s.bounces AS "bounces", ${ratio('s.bounces', 's.sessions')} AS "bounceRate",
      s.avg_duration AS "avgSessionDurationMs", md.value AS "medianSessionDurationMs",
      s.avg_engaged AS "avgEngagedMsPerSession", me.value AS "medianEngagedMsPerSession",
      ${ratio('s.pageviews', 's.sessions')} AS "pagesPerVisit",
      e.cart_starts AS "cartStarts", s.cart_sessions AS "cartSessions", s.abandoned_carts AS "abandonedCartSessions",
      ${ratio('s.abandoned_carts', 's.cart_sessions')} AS "cartAbandonmentRate", e.checkout_starts AS "checkoutStarts",
      o.orders AS "orders", o.revenue AS "revenue", o.currency AS "currency", o.aov AS "averageOrderValue",
      s.converted AS "convertedSessions", ${ratio('s.converted', 's.sessions')} AS "conversionRate",
      ${customers.columns}
    FROM v, s, o, tot e, md, me, ${customers.from}`;
}

/**
 * Numbers as numbers whatever the driver gives (PostgreSQL's bigint and numeric arrive as
 * strings unless the pool parses them), text as text, NULL as null.
 *
 * @param {Record<string, unknown>} row @param {Array<[string, string]>} types @returns {Record<string, unknown>}
 */
function typed(row, types) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, type] of types) {
    const v = row[key] ?? row[key.toLowerCase()];
    out[key] = v == null ? null : type === 'text' || type === 'date' ? String(v) : Number(v);
  }
  return out;
}

/** The table names the API and the CSV export know. */
export const TABLE_NAMES = Object.keys(TABLE_QUERIES);

/**
 * Where a range's numbers come from: the rollups when the store keeps them and the range is made
 * of whole UTC days (what the dashboard asks for), else the events.
 *
 * @param {Store & { rollups?: boolean }} store @param {Range} range @param {Source} [source]  forced
 * @returns {Source}
 */
export function sourceFor(store, range, source) {
  if (source) return source;
  return store.rollups && range.from % DAY === 0 && range.to % DAY === 0 ? 'rollup' : 'raw';
}

/**
 * One table's rows for a range of one site's events.
 *
 * @param {Store} store @param {string} name  one of TABLE_NAMES @param {Range} range @param {number} [limit]
 * @param {Source} [source]  default: sourceFor(store, range)
 * @param {string} [site]  the write key; default: the store's only one (sites.mjs' resolveSite,
 *   which throws a SiteError when the site is unknown or the store has several)
 * @returns {Promise<Record<string, unknown>[]>}
 */
export async function computeTable(store, name, range, limit, source, site) {
  const src = sourceFor(store, range, source);
  const scope = await withLatest(store, { from: range.from, to: range.to, site: await resolveSite(store, site) }, src);
  return tableRows(store, name, scope, limit, src, await withDayCache(store, scope, src, name === 'retention'));
}

/**
 * A scope of the rollups with `latest` set: whether it reaches every visitor's last day (no visitor
 * of its site has a last day at or after its end, read in the index on last day). The dashboard's
 * ranges end today, and ingest never stores an event dated after it arrived (ingest.mjs), so
 * theirs do. Raw scopes as they are.
 * @param {Store} store @param {Scope} scope @param {Source} src @returns {Promise<Scope>}
 */
async function withLatest(store, scope, src) {
  if (src !== 'rollup') return scope;
  const q = sql`SELECT 1 AS later FROM rollup_visitor_firsts WHERE write_key = ${scope.site} AND last_day >= ${Math.floor(scope.to / DAY)} LIMIT 1`;
  return { ...scope, latest: (await store.all(q.text, q.params)).length === 0 };
}

/**
 * Whether a report's queries read the day cache (dayCache.mjs) and the cohort cache
 * (cohortCache.mjs): from the rollups, on a store whose report connection keeps them; if so,
 * brought up to date for the scope first (the cohort cache only for a report with retention).
 * @param {Store} store @param {Scope} scope @param {Source} src @param {boolean} retention
 */
async function withDayCache(store, scope, src, retention) {
  if (src !== 'rollup' || !usesDayCache(store)) return false;
  await refreshDayCache(store, scope);
  await refreshActivityCache(store, scope);
  if (retention) await refreshCohortCache(store, scope);
  return true;
}

/**
 * One table's rows for a scope whose site is known.
 *
 * @param {Store} store @param {string} name @param {Scope} scope @param {number | undefined} limit @param {Source} src
 * @param {boolean} cached  read the day cache (withDayCache)
 * @param {Sql} [orders]  the report's shared customer orders (sharedOrders.mjs)
 * @returns {Promise<Record<string, unknown>[]>}
 */
async function tableRows(store, name, scope, limit, src, cached, orders) {
  if (name === 'webVitals' && src === 'rollup') return webVitalsFromRollups(store, scope, limit);
  const q = TABLE_QUERIES[name](store.dialect, scope, limit, src, cached, orders);
  const types = COLUMNS[/** @type {keyof typeof COLUMNS} */ (name)].map(
    (c) => /** @type {[string, string]} */ ([c.key, c.type]),
  );
  return (await store.all(q.text, q.params)).map((row) => typed(row, types));
}

/**
 * The Web Vitals table from the rollups (rollups.mjs): the same rows as its query over the events,
 * without sorting every value. The pages and their samples come from the per-day counts; then
 * per page and metric the count of values in each bucket (buckets order the values), which tells
 * the bucket and the place in it of the two ranks the 75th percentile interpolates between
 * (SQL's definition, sql.mjs' percentile(): position 0.75·(n−1), 0-based); then those values,
 * read in order from their bucket alone, and the interpolation as each database computes it.
 *
 * @param {Store} store @param {Scope} range @param {number} [limit]
 * @returns {Promise<Record<string, unknown>[]>}
 */
async function webVitalsFromRollups(store, range, limit) {
  const d = store.dialect;
  const days = siteDays(range);
  const top = sorted(
    d,
    sql`SELECT path, SUM(samples) AS samples FROM rollup_vital_days WHERE ${days} GROUP BY path`,
    [
      ['samples', 'desc', 'num'],
      ['path', 'asc', 'text'],
    ],
    limit,
  );
  const pages = await store.all(top.text, top.params);
  if (!pages.length) return [];
  const paths = pages.map((p) => String(p.path));
  // Every page's buckets when the table is whole (the CSV), else those of the pages shown.
  const only = limit ? sql` AND path IN (${join(paths.map((p) => sql`${p}`))})` : raw('');
  const counts = sql`SELECT path, metric, bucket, SUM(n) AS n FROM rollup_vital_buckets WHERE ${days}${only}
    GROUP BY path, metric, bucket`;
  /** @type {Map<string, { bucket: number, n: number }[]>} per path and metric, buckets in order */
  const buckets = new Map();
  for (const row of await store.all(counts.text, counts.params)) {
    const key = `${row.metric} ${row.path}`;
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key)?.push({ bucket: Number(row.bucket), n: Number(row.n) });
  }
  /** @type {{ key: string, lookup: Sql }[]} values to read: up to two from a place in a bucket */
  const reads = [];
  /** @type {Map<string, { pos: number, lo: number }>} */
  const ranks = new Map();
  const values = (
    /** @type {string} */ path,
    /** @type {string} */ metric,
    /** @type {number} */ bucket,
    /** @type {number} */ offset,
    /** @type {number} */ count,
  ) =>
    sql`SELECT v FROM (SELECT v FROM rollup_vital_values
      WHERE path = ${path} AND metric = ${metric} AND bucket = ${bucket} AND ${days}
      ORDER BY v LIMIT ${count} OFFSET ${offset}) b`;
  for (const [key, list] of buckets) {
    list.sort((a, b) => a.bucket - b.bucket);
    const total = list.reduce((t, b) => t + b.n, 0);
    if (!total) continue;
    const [metric, ...rest] = key.split(' ');
    const path = rest.join(' ');
    const pos = 0.75 * (total - 1);
    const lo = Math.floor(pos);
    ranks.set(key, { pos, lo });
    // The bucket holding rank lo, and lo's place in it.
    let i = 0;
    let before = 0;
    while (before + list[i].n <= lo) before += list[i++].n;
    const offset = lo - before;
    if (offset + 1 < list[i].n || i + 1 == list.length)
      reads.push({ key, lookup: values(path, metric, list[i].bucket, offset, 2) });
    else {
      reads.push({ key, lookup: values(path, metric, list[i].bucket, offset, 1) });
      reads.push({ key, lookup: values(path, metric, list[i + 1].bucket, 0, 1) });
    }
  }
  /** @type {Map<string, number[]>} */
  const found = new Map();
  // In parts: SQLite allows 500 terms in a compound SELECT.
  for (let at = 0; at < reads.length; at += 200) {
    const part = reads.slice(at, at + 200);
    const q = join(
      part.map((r, k) => sql`SELECT ${raw(String(at + k))} AS k, v FROM (${r.lookup}) x${raw(String(k))}`),
      ' UNION ALL ',
    );
    for (const row of await store.all(q.text, q.params)) {
      const key = reads[Number(row.k)].key;
      if (!found.has(key)) found.set(key, []);
      found.get(key)?.push(Number(row.v));
    }
  }
  /** @type {Map<string, number>} */
  const p75 = new Map();
  for (const [key, { pos, lo }] of ranks) {
    const [vlo, vhi] = (found.get(key) || []).sort((a, b) => a - b);
    const f = pos - lo;
    if (vlo === undefined) continue;
    // PostgreSQL's percentile_cont, and sql.mjs' window-function form on SQLite.
    p75.set(
      key,
      d === 'postgres' ? (vhi === undefined || f === 0 ? vlo : vlo + (vhi - vlo) * f) : vlo * (1 - f) + (vhi ?? 0) * f,
    );
  }
  return pages.map((p) => {
    /** @type {Record<string, unknown>} */
    const row = { path: String(p.path), samples: Number(p.samples) };
    for (const m of VITALS) row[`${m}_p75`] = p75.get(`${m} ${p.path}`) ?? null;
    return row;
  });
}

/**
 * The customer keys of the summary (CUSTOMER_SUMMARY) for a range of one site's events.
 *
 * @param {Store} store @param {Range} range @param {Source} [source]  default: sourceFor(store, range)
 * @param {string} [site]  the write key; default: the store's only one (as computeTable)
 * @returns {Promise<Record<string, unknown>>}
 */
export async function computeCustomerSummary(store, range, source, site) {
  const src = sourceFor(store, range, source);
  const scope = await withLatest(store, { from: range.from, to: range.to, site: await resolveSite(store, site) }, src);
  const q = customerSummaryQuery(store.dialect, scope, src, base(store.dialect, scope, src));
  const [row] = await store.all(q.text, q.params);
  return typed(row, /** @type {Array<[string, string]>} */ (CUSTOMER_SUMMARY.map(([k, t]) => [k, t])));
}

/**
 * Everything the dashboard shows, for a range of one site's events: `{ site, range, definitions,
 * summary, series, tables, columns }`. Tables are cut to `limit` rows (the CSV export has them all).
 *
 * @param {Store} store @param {Range} range @param {{ limit?: number, source?: Source, site?: string }} [opts]
 *   `source`: force the events or the rollups (default: sourceFor(store, range)). `site`: the
 *   write key whose events count; default: the store's only one. Throws a SiteError (sites.mjs)
 *   for a site without events, or without `site` when the store has several: the numbers of
 *   several sites are never mixed.
 */
export async function computeMetrics(store, range, { limit = 100, source, site } = {}) {
  const src = sourceFor(store, range, source);
  const scope = await withLatest(store, { from: range.from, to: range.to, site: await resolveSite(store, site) }, src);
  const cached = await withDayCache(store, scope, src, true);
  const orders = await sharedOrders(store, scope);
  // The queries that read the shared orders run where their table is (on PostgreSQL, the
  // connection held for them), and it goes as soon as they have ended, failed or not: a held
  // connection must never wait for the pool, or reports holding them all would wait for each other.
  const ordersStore = orders?.store ?? store;
  const q = summaryQuery(store.dialect, scope, src, cached, orders?.rows);
  const table = (/** @type {string} */ name, /** @type {Store} */ on) =>
    tableRows(on, name, scope, UNLIMITED.includes(name) ? undefined : limit, src, cached, orders?.rows);
  const ordersRead = Promise.all([
    ordersStore.all(q.text, q.params),
    ...READ_ORDERS.map((name) => table(name, ordersStore)),
  ]).finally(() => orders?.drop());
  const [[summaryRows, ...orderTables], medians, ...others] = await Promise.all([
    ordersRead,
    cached ? cachedMedians(store, scope, base(store.dialect, scope, src, true)) : undefined,
    ...TABLE_NAMES.filter((name) => !READ_ORDERS.includes(name)).map((name) => table(name, store)),
  ]);
  // In TABLE_NAMES' order, which the answer's tables keep.
  let other = 0;
  const byName = Object.fromEntries(
    TABLE_NAMES.map((name) => [
      name,
      READ_ORDERS.includes(name) ? orderTables[READ_ORDERS.indexOf(name)] : others[other++],
    ]),
  );
  const summary = typed(summaryRows[0], /** @type {Array<[string, string]>} */ (SUMMARY.map(([k, t]) => [k, t])));
  if (medians) {
    summary.medianSessionDurationMs = medians.duration;
    summary.medianEngagedMsPerSession = medians.engaged;
  }
  const { sessionsPerDay, ...rest } = byName;
  return {
    site: scope.site,
    range: {
      from: range.from,
      to: range.to,
      fromDate: isoDay(range.from),
      toDate: isoDay(range.to - 1),
      timeZone: 'UTC',
    },
    definitions: DEFINITIONS,
    summary,
    series: { sessionsPerDay },
    tables: rest,
    columns: COLUMNS,
  };
}
