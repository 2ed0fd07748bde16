// What the report reads from one event, as SQL expressions over a row of `events`: written once,
// so the report computed from raw events and the rollups kept at ingest (rollups.mjs) read every
// event the same way, on each database.
import { prop, raw, sql } from './sql.mjs';

/** @typedef {import('./sql.mjs').Dialect} Dialect @typedef {import('./sql.mjs').Sql} Sql */

/** A session counts as engaged (not a bounce) from this much engaged time. */
export const BOUNCE_ENGAGED_MS = 10_000;
/** Events that show intent: a session with one of them is never a bounce. */
export const KEY_EVENTS = ['Form Submitted', 'Product Added', 'Cart Started', 'Checkout Started', 'Order Completed'];
/** Order amounts beyond this (either sign) are ignored: `revenue: 1e300` must not become the month's revenue. */
export const MAX_AMOUNT = 1e12;

const quoted = (/** @type {string[]} */ names) => names.map((n) => `'${n}'`).join(', ');
const flag = (/** @type {string} */ cond) => raw(`CASE WHEN ${cond} THEN 1 ELSE 0 END`);

/**
 * The per-event expressions. Each is NULL (or 0 for the flags) on events it does not concern.
 *
 * @param {Dialect} d
 */
export function facts(d) {
  const num = (/** @type {string} */ n) => prop(d, n, 'num');
  const text = (/** @type {string} */ n) => prop(d, n, 'text');
  const money = (/** @type {string} */ n) =>
    sql`(CASE WHEN ${num(n)} BETWEEN ${raw(String(-MAX_AMOUNT))} AND ${raw(String(MAX_AMOUNT))} THEN ${num(n)} END)`;
  const started = (/** @type {Sql} */ e) => sql`(CASE WHEN event = 'Session Started' THEN ${e} END)`;
  const cur = text('currency');
  return {
    page: flag(`type = 'page'`),
    engaged: sql`(CASE WHEN event = 'Page Engagement' THEN ${num('engaged_ms')} END)`,
    keyEvent: flag(`event IN (${quoted(KEY_EVENTS)})`),
    cart: flag(`event = 'Cart Started'`),
    // The cart funnel's first steps: a product viewed, a product added (or a cart started).
    viewed: flag(`event = 'Product Viewed'`),
    added: flag(`event IN ('Product Added', 'Cart Started')`),
    // The checkout step an event completes, where the checkout reports steps (the GA4 bridge, the
    // Shopify pixel): 1 contact, 2 address, 3 shipping (Checkout Step Completed), 4 payment
    // (Payment Info Entered); 0 on every other event, so a session's furthest step is its MAX.
    checkoutStep: sql`(CASE WHEN event = 'Payment Info Entered' THEN 4 WHEN event = 'Checkout Step Completed' AND ${num('step')} IN (1, 2, 3, 4) THEN ${num('step')} ELSE 0 END)`,
    checkout: flag(`event = 'Checkout Started'`),
    ordered: flag(`event = 'Order Completed'`),
    sessionStarted: flag(`event = 'Session Started'`),
    // Of Session Started events only: where the session came from.
    landingPath: started(sql`COALESCE(NULLIF(${text('landing_path')}, ''), path)`),
    referrer: started(sql`NULLIF(${text('referrer')}, '')`),
    source: started(sql`NULLIF(${text('source')}, '')`),
    medium: started(sql`NULLIF(${text('medium')}, '')`),
    campaign: started(sql`NULLIF(${text('name')}, '')`),
    // Of Order Completed events: the order, its amount and its currency.
    orderKey: sql`COALESCE(NULLIF(${text('order_id')}, ''), message_id)`,
    amount: sql`COALESCE(${money('revenue')}, ${money('total')})`,
    // An ISO 4217 code is three capital letters; anything else ("€", "usd ") is ignored, so one bad
    // value cannot break the report's formatting.
    // Page views and their Page Engagement reports.
    viewPath: raw(`COALESCE(path, '(unknown)')`),
    engagementPath: sql`COALESCE(${text('path')}, path, '(unknown)')`,
    engagedMs: num('engaged_ms'),
    finalDepth: sql`(CASE WHEN ${prop(d, 'final', 'bool')} THEN ${num('scroll_depth')} END)`,
    vital: (/** @type {'lcp' | 'inp' | 'cls' | 'fcp' | 'ttfb'} */ m) => num(m),
    // Key columns cannot hold NULL: '' stands for it, '#' + the value for a value.
    key: (/** @type {string} */ col) => raw(`(CASE WHEN ${col} IS NULL THEN '' ELSE '#' || ${col} END)`),
    currency:
      d === 'postgres'
        ? sql`(CASE WHEN ${cur} ~ '^[A-Z]{3}$' THEN ${cur} END)`
        : sql`(CASE WHEN length(${cur}) = 3 AND ${cur} GLOB '[A-Z][A-Z][A-Z]' THEN ${cur} END)`,
  };
}

/**
 * Form events with their form's key (its id, else its name, else its action path), last field and
 * time to submit: columns `extra` (columns of `events`, each followed by a comma), event, form, last_field, time_ms, over
 * `from`, a relation with the columns of `events`. The report from the events and the form rollups
 * (rollups.mjs) both read forms this way.
 * @param {Dialect} d @param {Sql} from @param {string} [extra]
 * @returns {Sql}
 */
export function formEventsOf(d, from, extra = '') {
  const text = (/** @type {string} */ n) => prop(d, n, 'text');
  return sql`SELECT ${raw(extra)}event, COALESCE(NULLIF(fid, ''), NULLIF(fname, ''), NULLIF(apath, ''), '(unnamed form)') AS form, last_field, time_ms
    FROM (SELECT ${raw(extra)}event, ${text('form_id')} AS fid, ${text('form_name')} AS fname, ${text('action_path')} AS apath,
        ${text('last_field')} AS last_field, ${prop(d, 'time_ms', 'num')} AS time_ms
      FROM ${from} WHERE event IN ('Form Started', 'Form Submitted', 'Form Abandoned')) f`;
}
