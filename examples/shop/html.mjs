// A tiny HTML template helper: every interpolated value is escaped unless it is already HTML
// made by `html` (or marked with `raw`), so a product name or a visitor's input can never inject
// markup into a page.

class Html {
  /** @param {string} s */
  constructor(s) {
    this.s = s;
  }
  toString() {
    return this.s;
  }
}

/** Mark a string as HTML that is safe as it is. @param {string} s */
export const raw = (s) => new Html(s);

/** @param {unknown} v @returns {string} */
function escape(v) {
  if (v instanceof Html) return v.s;
  if (Array.isArray(v)) return v.map(escape).join('');
  if (v == null || v === false) return '';
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `html\`<p>${text}</p>\``: the literal parts as they are, the values escaped (arrays joined, null,
 * undefined and false left out).
 *
 * @param {TemplateStringsArray} strings @param {unknown[]} values
 */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += escape(values[i]) + strings[i + 1];
  return new Html(out);
}

/** JSON inside a `<script>` element: `</script>` and `<!--` in a string cannot end it. @param {unknown} value */
export const jsonScript = (value) => raw(JSON.stringify(value).replace(/</g, '\\u003c'));
