/** Anything shaped like an email address, also URL-encoded (`%40`). */
const EMAIL = /[\w.+-]+(@|%40)[\w-]+(\.[\w-]+)+/gi;

/** Query parameters kept by default: campaign attribution needs them. */
const KEEP = /^(utm_\w+|gclid|fbclid)$/;

/** The text with every email-shaped part removed. */
export const noEmails = (text: string): string => text.replace(EMAIL, '');

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
