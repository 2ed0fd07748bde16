/**
 * JSON text for what engagekit stores, made without `JSON.stringify`. Host pages replace it, or
 * change what it does: Prototype.js 1.6 defines `Array.prototype.toJSON`, which makes
 * `JSON.stringify([…])` return a JSON *string* holding the array's text (double encoded), and
 * `JSON.stringify` itself is wrapped by some pages. Our own writer for our own flat shapes (strings
 * and numbers only) reads no `toJSON` on any prototype and calls nothing the page may have replaced
 * but `Object.keys`, `String.prototype.replace` and `Array.prototype.join`.
 */

/**
 * A JSON string literal for `text`, read back by `JSON.parse` as `text` exactly. Quotes, backslashes
 * and control characters are escaped as JSON requires (https://www.rfc-editor.org/rfc/rfc8259#section-7);
 * U+2028 and U+2029 too (valid JSON, but line breaks to pre-2019 JavaScript); and lone surrogates,
 * which are not Unicode text and do not survive a UTF-8 round trip, as `\uXXXX`, like
 * well-formed `JSON.stringify` (https://tc39.es/proposal-well-formed-stringify/). A surrogate pair
 * (one character outside the BMP, an emoji) is matched first and kept as it is.
 */
export const quote = (text: string): string =>
  '"' +
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff\u2028\u2029\0-\x1f"\\]/g, (match) =>
    // 0x10000 + the code unit in hex is 1 followed by its four digits: `\u` + those four.
    match[1] ? match : '\\u' + (match.charCodeAt(0) + 0x10000).toString(16).slice(1),
  ) +
  '"';

/**
 * A JSON object of the string and number values of `object` (own enumerable keys, in order);
 * values of other types, `undefined` included, are left out, as `JSON.stringify` leaves out
 * `undefined`. A number that is not finite is written `null`, as `JSON.stringify` writes it.
 */
export function flatJson(object: object): string {
  const fields: string[] = [];
  for (const key of Object.keys(object)) {
    const value = (object as Record<string, unknown>)[key];
    if (typeof value == 'string') fields.push(quote(key) + ':' + quote(value));
    else if (typeof value == 'number') fields.push(quote(key) + ':' + (isFinite(value) ? value : null));
  }
  return '{' + fields.join() + '}';
}
