// CSV as RFC 4180 has it: comma separated, CRLF line ends, a field quoted when it holds a quote,
// a comma or a line break, quotes doubled inside.

/** @typedef {{ key: string, label: string }} Column */

/**
 * Text a spreadsheet may run as a formula: starting with = + - @, a tab or a CR (OWASP's list), also
 * after leading spaces or other white space (a no-break space included: spreadsheets skip it), and
 * with the full-width signs ＝ ＋ － ＠ that some spreadsheets read as the ASCII ones.
 */
const FORMULA = /^[\s\u00a0\u2000-\u200b\u3000\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r]/;

/**
 * One field. Text that a spreadsheet would run as a formula (page paths, referrers and form field
 * names come from visitors' browsers) gets a leading apostrophe, OWASP's advice against CSV
 * injection; numbers are left alone, negative ones included.
 *
 * @param {unknown} v
 */
export function csvField(v) {
  if (v == null) return '';
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  if (typeof v !== 'number' && FORMULA.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * A table as CSV text: a header row of the column keys, then one row per object.
 *
 * @param {Column[]} columns @param {Record<string, unknown>[]} rows
 */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvField(c.key)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.key])).join(','));
  return lines.join('\r\n') + '\r\n';
}
