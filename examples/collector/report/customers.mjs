// Customer engagement over time: who the customers are (a userId once identify() names one, else
// the anonymous id, with the anonymous history merged), their orders over all time up to the end
// of the range, how often they buy again, what they are worth and who stops coming back; and
// weekly retention cohorts of visitors and of customers. Each number is one SQL query, like the
// rest of the report (metrics.mjs); the dialect differences live in sql.mjs.
//
// Orders are read from the events (the index on (event, ts) finds the Order Completed ones): who
// placed an order depends on identify() messages that may arrive after it, which no rollup kept
// at ingest could know. Visitor activity (churn, stickiness) reads the per visitor and day rollup
// for ranges of whole days, and visitor retention the visitors' first days and the cohort cache
// (cohortCache.mjs); the events otherwise: the same numbers either way.
import { dayLabel, dayOf, eventsOfSite, join, percentile, raw, ratio, sorted, sql, weekOf } from './sql.mjs';
import { retentionCells } from './cohortCache.mjs';
import { liveDays, previousVisitors } from './activityCache.mjs';
import { facts } from './facts.mjs';

/** @typedef {import('./sql.mjs').Dialect} Dialect @typedef {import('./sql.mjs').Sql} Sql */
/** @typedef {{ from: number, to: number, site: string, latest?: boolean }} Range  a range of one site's (write key's) events (`latest`: metrics.mjs' Scope) */
/** @typedef {'raw' | 'rollup'} Source */

const DAY = 86_400_000;
/** Weeks after the cohort's own week shown in the retention tables (0 … RETENTION_WEEKS). */
export const RETENTION_WEEKS = 12;
const WEEKS = Array.from({ length: RETENTION_WEEKS + 1 }, (_, k) => k);

/** What the customer metrics mean, merged into the report's DEFINITIONS. */
export const CUSTOMER_DEFINITIONS = {
  customer:
    'A userId once identify() names one, else the anonymous id. An anonymous id’s events without a userId belong to the user its latest identify() (up to the end of the range) named, with the same write key, before and after that identify(); events that carry a userId belong to it.',
  // The summary count and the table of top customers share the key `customers`; the table's
  // columns are told under topCustomers.
  customers:
    'Distinct customers with an order in the range. An order (one per order_id, as for orders) is placed when its first Order Completed event was captured, and belongs to the customer of its events (the first in text order should two reports of it disagree). The table of that name lists them: see topCustomers.',
  topCustomers:
    'The customers table: the range’s customers by revenue, with their orders and revenue over all time up to the end of the range, their first and last order (UTC days) and the whole days from the last order to the end of the range.',
  newCustomers: 'Customers whose first order ever is in the range.',
  returningCustomers: 'Customers with an order before the range as well.',
  purchaseFrequency: 'Orders placed in the range ÷ customers.',
  repeatPurchaseRate:
    'Customers with two or more orders up to the end of the range ÷ customers with at least one order up to then.',
  medianDaysBetweenOrders:
    'Median, over every pair of consecutive orders of the same customer up to the end of the range, of the days between them (fractional days; interpolated between the two middle values).',
  historicalClv:
    'Historical customer lifetime value: the revenue of the range’s customers over all their orders up to the end of the range ÷ customers. Currencies are not converted.',
  customerChurnRate:
    'Customers with an order in the period of the same length just before the range and none in the range ÷ customers with an order in that previous period.',
  predictedClv:
    'The classic formula, not a forecast: average order value × purchase frequency × (1 ÷ customer churn rate), periods being the range’s length; none when the churn rate is 0 or unknown.',
  visitorChurnRate:
    'Visitors with an event in the period of the same length just before the range and none in the range ÷ visitors with an event in that previous period.',
  stickiness:
    'Average daily active visitors (distinct visitors per UTC day, summed, ÷ the days of the range) ÷ visitors in the range: DAU/MAU over a 30-day range.',
  retention: `Weekly cohorts of the visitors whose first event ever is in the range, by the UTC week (Monday to Sunday) of that event: the cohort’s visitors, and the share of them with an event in week 0 (their first week, always all of them), 1, … ${RETENTION_WEEKS} after, up to the end of the range; none for weeks that start after it.`,
  orderRetention: `Weekly cohorts of the customers whose first order ever is in the range, by the UTC week of that order: the cohort’s customers, and the share of them who ordered again (an order other than their first) in week 0, 1, … ${RETENTION_WEEKS} after it, up to the end of the range; none for weeks that start after it.`,
};

/** The customer summary's keys and types, in the order the dashboard shows them. */
export const CUSTOMER_SUMMARY = /** @type {const} */ ([
  ['customers', 'int'],
  ['newCustomers', 'int'],
  ['returningCustomers', 'int'],
  ['purchaseFrequency', 'num'],
  ['repeatPurchaseRate', 'rate'],
  ['medianDaysBetweenOrders', 'num'],
  ['historicalClv', 'money'],
  ['customerChurnRate', 'rate'],
  ['predictedClv', 'money'],
  ['visitorChurnRate', 'rate'],
  ['stickiness', 'rate'],
]);

/** @param {string} key @param {string} label @param {import('./metrics.mjs').ColumnType} type */
const col = (key, label, type) => ({ key, label, type });
const weekColumns = WEEKS.map((k) => col(`w${k}`, `Week ${k}`, 'rate'));

/** The customer tables' columns. */
export const CUSTOMER_COLUMNS = {
  retention: [col('cohort', 'Cohort (week of)', 'date'), col('visitors', 'Visitors', 'int'), ...weekColumns],
  orderRetention: [col('cohort', 'Cohort (week of)', 'date'), col('customers', 'Customers', 'int'), ...weekColumns],
  customers: [
    col('customer', 'Customer', 'text'),
    col('orders', 'Orders', 'int'),
    col('revenue', 'Revenue', 'money'),
    col('first_order', 'First order', 'date'),
    col('last_order', 'Last order', 'date'),
    col('days_since_last', 'Days since last', 'int'),
  ],
};

/**
 * The customers' orders: one row per order placed before the end of the range (its key, customer,
 * first capture time and amount).
 *
 * @param {Dialect} d @param {Range} r @returns {Sql}
 */
export function customerOrdersSelect(d, r) {
  // A range that reaches every visitor's last day (metrics.mjs' withLatest) holds every order
  // and identify() so far: from the rollups kept of them, a lookup per order by visitor.
  if (r.latest)
    return sql`SELECT order_key, MIN(ts) AS ts, MAX(amount) AS amount, MIN(customer) AS customer
    FROM (SELECT o.order_key AS order_key, o.ts AS ts, o.amount AS amount, COALESCE(o.user_id, i.user_id, o.anonymous_id) AS customer
      FROM rollup_order_events o LEFT JOIN rollup_identities i ON i.write_key = o.write_key AND i.anonymous_id = o.anonymous_id
      WHERE o.write_key = ${r.site} AND o.ts < ${r.to}) x
    GROUP BY order_key HAVING MIN(customer) IS NOT NULL`;
  const f = facts(d);
  // The user an anonymous id's latest identify() (same write key, before the end of the range)
  // named: a lookup per order on the partial index events_identify_latest. (A join with all identities
  // grouped first was planned by PostgreSQL as a nested loop over them for every order: 300 ms.)
  const identified = sql`(SELECT i.user_id FROM events i
    WHERE i.type = 'identify' AND i.write_key = oe.write_key AND i.anonymous_id = oe.anonymous_id
      AND i.user_id IS NOT NULL AND i.ts < ${r.to}
    ORDER BY i.ts DESC, i.message_id DESC LIMIT 1)`;
  // The orders behind a fence (OFFSET 0): merged into the grouping query, the lookup was copied
  // into both MIN(customer)s, and ran twice per order (PostgreSQL: 0.4 s more over 76,366 orders).
  return sql`SELECT order_key, MIN(ts) AS ts, MAX(amount) AS amount, MIN(customer) AS customer
    FROM (SELECT ${f.orderKey} AS order_key, ts, ${f.amount} AS amount,
        COALESCE(user_id, ${identified}, anonymous_id) AS customer
      FROM events oe WHERE event = 'Order Completed' AND ${eventsOfSite(d, 'oe.write_key', r.site)} AND ts < ${r.to}
      ${raw(d === 'postgres' ? 'OFFSET 0' : 'LIMIT -1 OFFSET 0')}) o
    GROUP BY order_key HAVING MIN(customer) IS NOT NULL`;
}

/**
 * The customers' orders, CTEs `ordx` (customerOrdersSelect's rows) and `cust` (one row per
 * customer).
 *
 * @param {Dialect} d @param {Range} r
 * @param {Sql} [orders]  customerOrdersSelect's rows for the range, already read (the report's,
 *   shared by its three customer queries: sharedOrders.mjs)
 */
function customerOrders(d, r, orders) {
  const len = r.to - r.from;
  return sql`ordx AS (${orders ?? customerOrdersSelect(d, r)}),
  cust AS (
    SELECT customer, COUNT(*) AS n_orders, MIN(ts) AS first_ts, MAX(ts) AS last_ts, COALESCE(SUM(amount), 0) AS revenue,
      SUM(CASE WHEN ts >= ${r.from} THEN 1 ELSE 0 END) AS n_range,
      SUM(CASE WHEN ts >= ${r.from - len} AND ts < ${r.from} THEN 1 ELSE 0 END) AS n_prev
    FROM ordx GROUP BY customer)`;
}

/**
 * The visitors active in the period of the range's length just before it (`vprev`), and the
 * visitor-days of the range (`vdays`), from the events or from the per visitor and day rollup.
 *
 * @param {Dialect} d @param {Range} r @param {Source} src
 */
function visitorActivity(d, r, src, cached = false) {
  const len = r.to - r.from;
  if (src === 'rollup') {
    const from = Math.floor(r.from / DAY);
    const to = Math.floor(r.to / DAY);
    return sql`vprev AS (SELECT DISTINCT anonymous_id FROM rollup_visitors WHERE write_key = ${r.site} AND day >= ${from - (to - from)} AND day < ${from}),
    vdays AS (${
      cached
        ? // The activity cache's visitors of its current days (activityCache.mjs), the others' read.
          sql`SELECT COALESCE(SUM(n), 0) AS n FROM (SELECT visitors AS n FROM avalid
      UNION ALL SELECT COUNT(*) FROM (SELECT DISTINCT t.anonymous_id, t.day FROM ${liveDays(d, r, 'rollup_visitors')}) vd) x`
        : sql`SELECT COUNT(*) AS n FROM (SELECT DISTINCT anonymous_id, day FROM rollup_visitors WHERE write_key = ${r.site} AND day >= ${from} AND day < ${to}) vd`
    })`;
  }
  return sql`vprev AS (SELECT DISTINCT anonymous_id FROM events WHERE ${eventsOfSite(d, 'write_key', r.site)} AND ts >= ${r.from - len} AND ts < ${r.from} AND anonymous_id IS NOT NULL),
    vdays AS (SELECT COUNT(*) AS n FROM (SELECT DISTINCT anonymous_id, ${dayOf(d, 'ts')} AS day FROM ev WHERE anonymous_id IS NOT NULL) vd)`;
}

/**
 * The customer summary's parts, to go into a query that has the report's common table expressions
 * (metrics.mjs; `ev`, `ord` and `vis` are read): `ctes` to add to its WITH, `columns` (the
 * CUSTOMER_SUMMARY keys) to select, from the one-row relations `from`. The report's summary
 * query takes them in, so both share the visitors of the range.
 *
 * @param {Dialect} d @param {Range} r @param {Source} src @param {Sql} [orders]  as customerOrders'
 * @returns {{ ctes: Sql, columns: Sql, from: Sql }}
 */
export function customerSummaryParts(d, r, src, orders, cached = false) {
  const days = (r.to - r.from) / DAY;
  const ctes = sql`${customerOrders(d, r, orders)}, ${visitorActivity(d, r, src, cached)},
    gaps AS (SELECT CAST(ts - LAG(ts) OVER (PARTITION BY customer ORDER BY ts, order_key) AS DOUBLE PRECISION) / 86400000 AS days FROM ordx),
    gm AS (${percentile(d, 0.5, raw('gaps'), [], 'days')}),
    cc AS (SELECT
        COALESCE(SUM(CASE WHEN n_range > 0 THEN 1 ELSE 0 END), 0) AS customers,
        COALESCE(SUM(CASE WHEN n_range > 0 AND first_ts >= ${r.from} THEN 1 ELSE 0 END), 0) AS new_customers,
        COALESCE(SUM(n_range), 0) AS range_orders,
        COALESCE(SUM(CASE WHEN n_orders >= 2 THEN 1 ELSE 0 END), 0) AS repeaters,
        COUNT(*) AS buyers,
        COALESCE(SUM(CASE WHEN n_range > 0 THEN revenue ELSE 0 END), 0) AS range_customer_revenue,
        COALESCE(SUM(CASE WHEN n_prev > 0 THEN 1 ELSE 0 END), 0) AS prev_customers,
        COALESCE(SUM(CASE WHEN n_prev > 0 AND n_range = 0 THEN 1 ELSE 0 END), 0) AS churned
      FROM cust),
    ck AS (SELECT cc.*, ${ratio('range_orders', 'customers')} AS frequency, ${ratio('churned', 'prev_customers')} AS churn,
        (SELECT AVG(amount) FROM ord) AS aov
      FROM cc),
    cv AS (${
      src === 'rollup' && r.latest
        ? // No visitor is active after the range (metrics.mjs' withLatest): those of the period
          // before it who are not in it are those whose last day is in that period (on PostgreSQL
          // counted in the summary's read of the spans, vspan: metrics.mjs' visitorCounts).
          sql`SELECT (SELECT n FROM vcount) AS visitors,
        ${cached ? previousVisitors(r, sql`(SELECT COUNT(*) FROM vprev)`) : sql`(SELECT COUNT(*) FROM vprev)`} AS prev_visitors,
        ${
          d === 'postgres'
            ? sql`(SELECT churned FROM vspan)`
            : sql`(SELECT COUNT(*) FROM rollup_visitor_firsts WHERE write_key = ${r.site}
          AND last_day >= ${Math.floor(r.from / DAY) - days} AND last_day < ${Math.floor(r.from / DAY)})`
        } AS churned_visitors`
        : d === 'postgres'
          ? // A join, not IN inside CASE: see the summary's returning visitors (metrics.mjs).
            sql`SELECT (SELECT n FROM vcount) AS visitors, COUNT(*) AS prev_visitors,
        COALESCE(SUM(CASE WHEN vis.anonymous_id IS NULL THEN 1 ELSE 0 END), 0) AS churned_visitors
      FROM vprev LEFT JOIN vis ON vis.anonymous_id = vprev.anonymous_id`
          : sql`SELECT (SELECT n FROM vcount) AS visitors, COUNT(*) AS prev_visitors,
        COALESCE(SUM(CASE WHEN anonymous_id IN (SELECT anonymous_id FROM vis) THEN 0 ELSE 1 END), 0) AS churned_visitors
      FROM vprev`
    })`;
  const columns = sql`ck.customers AS "customers", ck.new_customers AS "newCustomers", ck.customers - ck.new_customers AS "returningCustomers",
      ck.frequency AS "purchaseFrequency", ${ratio('ck.repeaters', 'ck.buyers')} AS "repeatPurchaseRate",
      gm.value AS "medianDaysBetweenOrders", ${ratio('ck.range_customer_revenue', 'ck.customers')} AS "historicalClv",
      ck.churn AS "customerChurnRate",
      CASE WHEN ck.churn > 0 THEN ck.aov * ck.frequency / ck.churn END AS "predictedClv",
      ${ratio('cv.churned_visitors', 'cv.prev_visitors')} AS "visitorChurnRate",
      ${ratio(sql`CAST(vdays.n AS DOUBLE PRECISION) / ${raw(String(days))}`, 'cv.visitors')} AS "stickiness"`;
  return { ctes, columns, from: raw('ck, cv, vdays, gm') };
}

/**
 * The customer summary alone for a range: one row with the CUSTOMER_SUMMARY keys.
 *
 * @param {Dialect} d @param {Range} r @param {Source} src
 * @param {Sql} base  the report's common table expressions (metrics.mjs)
 * @returns {Sql}
 */
export function customerSummaryQuery(d, r, src, base) {
  const { ctes, columns, from } = customerSummaryParts(d, r, src);
  return sql`WITH ${base}, ${ctes} SELECT ${columns} FROM ${from}`;
}

/**
 * Share columns w0 … w12 of a cohort table over rows of `week` and `k`: the cohort members active
 * in week k ÷ the cohort's size, none for weeks that start at or after the end of the range.
 *
 * @param {Range} r @param {string} size  the cohort's size, an aggregate
 * @param {string} [count]  how many members a row counts (by default one)
 */
function weekShares(r, size, count = '1') {
  // A week starts before `to` when its first day number is below ceil(to / day).
  const end = Math.ceil(r.to / DAY);
  return join(
    WEEKS.map(
      (k) =>
        sql`CASE WHEN week + ${raw(String(7 * k))} < CAST(${end} AS BIGINT) THEN ${ratio(`SUM(CASE WHEN k = ${k} THEN ${count} ELSE 0 END)`, size)} END AS ${raw(`w${k}`)}`,
    ),
  );
}

/** @type {Record<keyof typeof CUSTOMER_COLUMNS, (d: Dialect, r: Range, base: Sql, limit?: number, src?: Source, cached?: boolean, orders?: Sql) => Sql>} */
export const CUSTOMER_TABLES = {
  retention: (d, r, base, _limit, src, cached = false) => {
    // From the rollups: each visitor's first day (rollup_visitor_firsts) makes the cohorts, counted
    // per week at the first day its members were active in it (cohortCache.mjs, with the cache or
    // every cohort read live); the cohort's size is its week 0.
    if (src === 'rollup')
      return sql`WITH ${base}, ${retentionCells(d, r, cached)}
      SELECT ${dayLabel(d, 'week')} AS cohort, SUM(CASE WHEN k = 0 THEN n ELSE 0 END) AS visitors,
        ${weekShares(r, 'SUM(CASE WHEN k = 0 THEN n ELSE 0 END)', 'n')}
      FROM cells GROUP BY week ORDER BY week`;
    // From the events: the range's visitors (a plain list: vis also counts their sessions, which
    // costs twice as much), then the first day ever of those whose first event is in the range.
    return sql`WITH ${base},
      rvis AS (SELECT DISTINCT anonymous_id FROM ev WHERE anonymous_id IS NOT NULL),
      firsts AS (SELECT anonymous_id, ${dayOf(d, 'MIN(ts)')} AS first_day FROM events
        WHERE ${eventsOfSite(d, 'write_key', r.site)} AND anonymous_id IN (SELECT anonymous_id FROM rvis) GROUP BY anonymous_id HAVING MIN(ts) >= ${r.from}),
      cohort AS (SELECT anonymous_id, ${weekOf('first_day')} AS week FROM firsts),
      size AS (SELECT week, COUNT(*) AS n FROM cohort GROUP BY week),
      act AS (SELECT DISTINCT c.anonymous_id, c.week, (${dayOf(d, 'a.ts')} - c.week) / 7 AS k
        FROM events a JOIN cohort c ON c.anonymous_id = a.anonymous_id WHERE ${eventsOfSite(d, 'a.write_key', r.site)} AND a.ts < ${r.to}),
      cells AS (SELECT act.week AS week, act.k AS k, size.n AS n FROM act JOIN size ON size.week = act.week)
      SELECT ${dayLabel(d, 'week')} AS cohort, MAX(n) AS visitors, ${weekShares(r, 'MAX(n)')}
      FROM cells GROUP BY week ORDER BY week`;
  },

  orderRetention: (d, r, base, _limit, _src, _cached, orders) => sql`WITH ${base}, ${customerOrders(d, r, orders)},
      cohort AS (SELECT customer, ${weekOf(dayOf(d, 'first_ts').text)} AS week FROM cust WHERE first_ts >= ${r.from}),
      size AS (SELECT week, COUNT(*) AS n FROM cohort GROUP BY week),
      ranked AS (SELECT customer, ts, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts, order_key) AS nth FROM ordx),
      -- Each cohort member once, at week 0 with no repeat (k = -1), so a cohort without any repeat
      -- still has its row; then each week in which they ordered again.
      act AS (
        SELECT customer, week, -1 AS k FROM cohort
        UNION
        SELECT c.customer, c.week, (${dayOf(d, 'o.ts')} - c.week) / 7 AS k
        FROM ranked o JOIN cohort c ON c.customer = o.customer WHERE o.nth > 1),
      cells AS (SELECT act.week AS week, act.k AS k, size.n AS n FROM act JOIN size ON size.week = act.week)
      SELECT ${dayLabel(d, 'week')} AS cohort, MAX(n) AS customers, ${weekShares(r, 'MAX(n)')}
      FROM cells GROUP BY week ORDER BY week`,

  customers: (d, r, base, limit, _src, _cached, orders) => sql`WITH ${base}, ${customerOrders(d, r, orders)}
    ${sorted(
      d,
      sql`SELECT customer, n_orders AS orders, revenue,
        ${dayLabel(d, dayOf(d, 'first_ts').text)} AS first_order, ${dayLabel(d, dayOf(d, 'last_ts').text)} AS last_order,
        (CAST(${r.to} AS BIGINT) - last_ts) / 86400000 AS days_since_last
      FROM cust WHERE n_range > 0`,
      [
        ['revenue', 'desc', 'num'],
        ['orders', 'desc', 'num'],
        ['customer', 'asc', 'text'],
      ],
      limit,
    )}`,
};
