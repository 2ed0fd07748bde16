/**
 * Anything shaped like an email address, as it is written in text and in URLs: letters of any
 * script (`jürgen@example.de`: `\p{L}`, with combining marks `\p{M}`), and percent-encoded once or
 * twice (`%2540` is `%40` encoded again, as a URL put into a query parameter of another URL is):
 * the at sign as `@`, `%40` or `%2540`; `+` in the local part as `%2B` (`john%2Bnews%40example.com`);
 * non-ASCII letters as their UTF-8 bytes `%80`–`%FF` (`j%C3%BCrgen%40example.de`), in the domain too.
 * Matching the encoded forms as they are, rather than decoding, leaves the rest of a URL as it was
 * and cannot fail on malformed percent-encoding.
 *
 * The first group is what precedes the address, put back by `noEmails`: the start, a character
 * that cannot be in a local part, or a percent-escape of one (`%2F` in `%2Fjohn%40…`), so an
 * address never starts inside an escape (which would leave a broken `%`), and a long run of
 * letters is scanned once rather than from each of its characters.
 *
 * Kept on purpose: `@handle` (no local part), `me@localhost` (no dot in the domain), and package
 * versions such as `vue@3.4.21` or `lodash@4.x`: the last label of the domain must start with a
 * letter and have two characters at least, as every top-level domain does.
 */
const EMAIL =
  /(^|[^\p{L}\p{N}\p{M}_.+%-]|%(25)?([013-7][\da-f]|2[0-46-9ac-f])|%(?![\da-f]{2}))([\p{L}\p{N}\p{M}_.+-]|%(25)?(2b|[89a-f][\da-f]))+(@|%(25)?40)(([\p{L}\p{N}\p{M}-]|%(25)?[89a-f][\da-f])+\.)+(\p{L}|%(25)?[89a-f][\da-f])([\p{L}\p{N}\p{M}-]|%(25)?[89a-f][\da-f])+/giu;

/** Query parameters kept by default: campaign attribution needs them. */
const KEEP = /^(utm_\w+|gclid|fbclid)$/;

/** The text with every email-shaped part removed. */
export const noEmails = (text: string): string => text.replace(EMAIL, (_address, before: string) => before);

/**
 * A URL fit to record: without its fragment (OAuth and magic links put tokens there), without
 * query parameters other than utm_*, gclid, fbclid and those in `keep`, and without anything
 * shaped like an email. '' stays ''.
 */
export function cleanUrl(href: string, keep: string[]): string {
  if (!href) return href;
  try {
    const url = new URL(href);
    const kept = new URLSearchParams();
    for (const [key, value] of url.searchParams) if (KEEP.test(key) || keep.includes(key)) kept.append(key, value);
    url.search = '' + kept;
    url.hash = '';
    return noEmails(url.href);
  } catch {
    return noEmails(href);
  }
}

/** String properties of an automatically captured event, without email-shaped parts. */
export function scrub<T extends Record<string, unknown>>(properties: T): T {
  for (const key in properties)
    if (typeof properties[key] == 'string')
      (properties as Record<string, unknown>)[key] = noEmails(properties[key] as string);
  return properties;
}
