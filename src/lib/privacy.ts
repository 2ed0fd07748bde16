/** Anything shaped like an email address, also URL-encoded (`%40`). */
const EMAIL = /[\w.+-]+(@|%40)[\w-]+(\.[\w-]+)+/gi;

/** Query parameters kept by default: campaign attribution needs them. */
const KEEP = /^(utm_\w+|gclid|fbclid)$/;

/** The text with every email-shaped part removed. */
export const noEmails = (s: string): string => s.replace(EMAIL, '');

/**
 * A URL fit to record: without its fragment (OAuth and magic links put tokens there), without
 * query parameters other than utm_*, gclid, fbclid and those in `keep`, and without anything
 * shaped like an email. '' stays ''.
 */
export function cleanUrl(href: string, keep: string[]): string {
  if (!href) return href;
  try {
    const u = new URL(href);
    const q = new URLSearchParams();
    u.searchParams.forEach((v, k) => (KEEP.test(k) || keep.includes(k)) && q.append(k, v));
    u.search = '' + q;
    u.hash = '';
    return noEmails(u.href);
  } catch {
    return noEmails(href);
  }
}

/** String properties of an automatically captured event, without email-shaped parts. */
export function scrub<T extends Record<string, unknown>>(p: T): T {
  for (const k in p) if (typeof p[k] == 'string') (p as Record<string, unknown>)[k] = noEmails(p[k] as string);
  return p;
}
