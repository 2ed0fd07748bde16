// The small dialect layer between SQLite and PostgreSQL. Every metric is one query text written
// once; only JSON access, percentiles and day labels differ, and they are built here.

/**
 * @typedef {'sqlite' | 'postgres'} Dialect
 * @typedef {{ text: string, params: unknown[] }} Sql  a query fragment and its `?` parameters, in order
 */

/** @param {unknown} v @returns {v is Sql} */
const isSql = (v) => typeof v === 'object' && v !== null && 'text' in v && 'params' in v;

/**
 * A tagged template for queries: an interpolated `sql` fragment (or `raw` text) is inlined with
 * its own parameters, anything else becomes a `?` placeholder, so parameters always follow the
 * order of their placeholders however the fragments are nested.
 *
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 * @returns {Sql}
 */
export function sql(strings, ...values) {
  let text = strings[0];
  /** @type {unknown[]} */
  const params = [];
  values.forEach((v, i) => {
    if (isSql(v)) {
      text += v.text;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v);
    }
    text += strings[i + 1];
  });
  return { text, params };
}

/** Text inlined as it is: only for the module's own constants, never for request input. @param {string} text @returns {Sql} */
export const raw = (text) => ({ text, params: [] });

/** Fragments joined by `sep`. @param {Sql[]} parts @param {string} sep @returns {Sql} */
export function join(parts, sep = ', ') {
  return { text: parts.map((p) => p.text).join(sep), params: parts.flatMap((p) => p.params) };
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * One property of the `properties` JSON column. `num` keeps JSON numbers only (a string such as
 * "12.50" gives NULL in both databases, where a plain cast would fail the whole query on
 * PostgreSQL and succeed on SQLite); `bool` is true only for a JSON `true`; `text` is the value as
 * text. The result is parenthesised so it can be used anywhere an expression can.
 *
 * @param {Dialect} dialect
 * @param {string} name  a property name from this module (checked: it is inlined)
 * @param {'text' | 'num' | 'bool'} [cast]
 * @param {string} [column]  the JSON column, `properties` unless told
 * @returns {Sql}
 */
export function prop(dialect, name, cast = 'text', column = 'properties') {
  if (!NAME.test(name) || !NAME.test(column)) throw new Error(`bad property name ${name}`);
  if (dialect === 'postgres') {
    const j = `(${column}::jsonb)`;
    if (cast === 'num')
      return raw(`(CASE WHEN jsonb_typeof(${j}->'${name}') = 'number' THEN (${j}->>'${name}')::double precision END)`);
    if (cast === 'bool') return raw(`(${j}->'${name}' = 'true'::jsonb)`);
    return raw(`(${j}->>'${name}')`);
  }
  if (cast === 'num')
    return raw(
      `(CASE WHEN json_type(${column}, '$.${name}') IN ('integer', 'real') THEN json_extract(${column}, '$.${name}') END)`,
    );
  if (cast === 'bool') return raw(`(json_type(${column}, '$.${name}') = 'true')`);
  // CAST: json_extract gives numbers as numbers, ->> gives text; an id such as 42 groups the same way in both.
  return raw(`CAST(json_extract(${column}, '$.${name}') AS TEXT)`);
}

/** `a / b` as a real number, NULL when `b` is 0 (PostgreSQL divides integers as integers). @param {Sql|string} a @param {Sql|string} b */
export function ratio(a, b) {
  const s = (/** @type {Sql|string} */ x) => (typeof x === 'string' ? raw(x) : x);
  return sql`(CAST(${s(a)} AS DOUBLE PRECISION) / NULLIF(${s(b)}, 0))`;
}

/**
 * `column = site` for a column of `events`, the table of raw events. On SQLite the column is
 * written `+column`, which keeps SQLite from using an index for it: with no statistics, SQLite
 * takes an equality on the first column of the key (write_key, message_id) for a selective one
 * and read every event of the site through it instead of the range's through the index on ts or
 * on (event, ts) (the forms table over 10M events: 1.25 s → 4.3 s). PostgreSQL weighs it by its
 * statistics.
 *
 * @param {Dialect} dialect @param {string} column @param {string} site @returns {Sql}
 */
export function eventsOfSite(dialect, column, site) {
  return sql`${raw(dialect === 'sqlite' ? '+' + column : column)} = ${site}`;
}

/** The UTC day number (days since 1970-01-01) of a ms timestamp. @param {Dialect} dialect @param {string} expr */
export function dayOf(dialect, expr) {
  // Integer division in both; the CAST only matters if SQLite ever holds a timestamp as REAL.
  return raw(dialect === 'postgres' ? `(${expr} / 86400000)` : `CAST(${expr} / 86400000 AS INTEGER)`);
}

/** YYYY-MM-DD of a UTC day number. @param {Dialect} dialect @param {string} expr */
export function dayLabel(dialect, expr) {
  return raw(
    dialect === 'postgres'
      ? `to_char(to_timestamp(${expr} * 86400) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
      : `date(${expr} * 86400, 'unixepoch')`,
  );
}

/**
 * The continuous percentile `p` (linear interpolation between the two nearest ranks, PostgreSQL's
 * percentile_cont) of `value` over `source`, per group. A query returning the group columns and
 * `value`. SQLite has no percentile function, so there it is computed with window functions: with
 * n values sorted, position p·(n−1) (0-based) falls between ranks lo and lo+1, and the result is
 * v[lo]·(1−f) + v[lo+1]·f where f is the fractional part.
 *
 * With `reread` (no groups; a source that is cheap to read three times, such as a CTE the query
 * reads more than once, which SQLite materialises), SQLite counts the values first and then reads
 * only the two at lo and lo+1 with ORDER BY … LIMIT 2 OFFSET lo: its sorter keeps lo + 2 values,
 * and no row gets a number. The summary's two medians over 1.5 million sessions (10M events): the
 * summary took 7.1–8.5 s instead of 10.1–15.3 s.
 *
 * @param {Dialect} dialect
 * @param {number} p  between 0 and 1
 * @param {Sql} source  a table or CTE name, or a parenthesised query without an alias
 * @param {string[]} groups  column names of source to group by (may be empty)
 * @param {string} value  the column of source to take the percentile of
 * @param {{ reread?: boolean }} [opts]
 * @returns {Sql}
 */
export function percentile(dialect, p, source, groups, value, { reread = false } = {}) {
  if (!(p >= 0 && p <= 1)) throw new Error('percentile out of range');
  const g = groups.join(', ');
  const sel = g ? `${g}, ` : '';
  const groupBy = g ? ` GROUP BY ${g}` : '';
  if (dialect === 'postgres') {
    return sql`SELECT ${raw(sel)}percentile_cont(${raw(String(p))}) WITHIN GROUP (ORDER BY CAST(${raw(value)} AS DOUBLE PRECISION)) AS value FROM ${source} pct_src WHERE ${raw(value)} IS NOT NULL${raw(groupBy)}`;
  }
  if (reread && !g) {
    const pos = raw(`${p} * (COUNT(*) - 1)`);
    const v = raw(value);
    const of = (/** @type {Sql} */ what) => sql`(SELECT ${what} FROM ${source} pct_n WHERE ${v} IS NOT NULL)`;
    // No value: no row, so NULL, as the window form gives. One value (or p = 1): f is 0.
    return sql`SELECT MIN(v) * (1 - MAX(f)) + COALESCE(CASE WHEN COUNT(*) > 1 THEN MAX(v) END, 0) * MAX(f) AS value
    FROM (SELECT CAST(${v} AS REAL) AS v, ${of(sql`${pos} - CAST(${pos} AS INTEGER)`)} AS f
      FROM ${source} pct_src WHERE ${v} IS NOT NULL ORDER BY ${v}
      LIMIT 2 OFFSET ${of(sql`CAST(${pos} AS INTEGER)`)}) pct_k`;
  }
  const over = g ? `PARTITION BY ${g}` : '';
  return sql`SELECT ${raw(sel)}MAX(CASE WHEN rn = lo THEN v END) * (1 - MAX(f)) + COALESCE(MAX(CASE WHEN rn = lo + 1 THEN v END), 0) * MAX(f) AS value
    FROM (SELECT ${raw(sel)}v, rn, CAST(pos AS INTEGER) + 1 AS lo, pos - CAST(pos AS INTEGER) AS f
      FROM (SELECT ${raw(sel)}CAST(${raw(value)} AS REAL) AS v,
          ROW_NUMBER() OVER (${raw(over)} ORDER BY ${raw(value)}) AS rn,
          ${raw(String(p))} * (COUNT(*) OVER (${raw(over)}) - 1) AS pos
        FROM ${source} pct_src WHERE ${raw(value)} IS NOT NULL) pct_a) pct_b${raw(groupBy)}`;
}

/**
 * `SELECT * FROM (query) ORDER BY …`, text compared byte by byte in both databases (SQLite's
 * BINARY, PostgreSQL's "C"), so ties come out in the same order whatever the server's locale.
 *
 * @param {Dialect} dialect
 * @param {Sql} query
 * @param {Array<[string, 'asc' | 'desc', 'text' | 'num']>} order  output columns of query
 * @param {number} [limit]
 * @returns {Sql}
 */
export function sorted(dialect, query, order, limit) {
  const by = order
    .map(
      ([c, dir, kind]) => `${c}${kind === 'text' && dialect === 'postgres' ? ' COLLATE "C"' : ''} ${dir.toUpperCase()}`,
    )
    .join(', ');
  return sql`SELECT * FROM (${query}) sorted ORDER BY ${raw(by)}${raw(limit ? ` LIMIT ${Math.floor(limit)}` : '')}`;
}

/** The host of a URL column ('https://a.example/x' → 'a.example'), or the text up to its first '/'. @param {Dialect} d @param {string} c */
export function hostOf(d, c) {
  if (d === 'postgres')
    return raw(
      `split_part(CASE WHEN position('://' in ${c}) > 0 THEN substr(${c}, position('://' in ${c}) + 3) ELSE ${c} END, '/', 1)`,
    );
  const rest = `substr(${c}, CASE WHEN instr(${c}, '://') > 0 THEN instr(${c}, '://') + 3 ELSE 1 END)`;
  // Appending '/' makes instr find one even when the URL has no path.
  return raw(`substr(${rest}, 1, instr(${rest} || '/', '/') - 1)`);
}

/**
 * The Monday of the UTC week of a day number (day 0, 1970-01-01, was a Thursday).
 * @param {string} day  a SQL expression of a day number, not negative @returns {Sql}
 */
export const weekOf = (day) => raw(`(${day} - ((${day} + 3) % 7))`);

/**
 * What the report's caches (dayCache.mjs, cohortCache.mjs, activityCache.mjs) make their tables
 * with: `table`, the statement's start (on SQLite in the connection's temporary schema, gone when
 * it closes; on PostgreSQL unlogged), `clustered` to end a keyed table (SQLite: in key order),
 * and the `int` and `real` column types.
 * @param {Dialect} d
 */
export const cacheTables = (d) =>
  d === 'sqlite'
    ? { table: 'CREATE TEMP TABLE IF NOT EXISTS', clustered: ' WITHOUT ROWID', int: 'INTEGER', real: 'REAL' }
    : { table: 'CREATE UNLOGGED TABLE IF NOT EXISTS', clustered: '', int: 'BIGINT', real: 'DOUBLE PRECISION' };
