import type { Context } from '../types';
import { cleanUrl, noEmails } from './privacy';

/** `context.page` of the current document, cleaned (see cleanUrl): `keep` lists query parameters to keep. */
export function pageContext(keep: string[]): Context['page'] {
  const url = cleanUrl(location.href, keep);
  const u = new URL(url);
  return {
    url,
    path: u.pathname,
    referrer: cleanUrl(document.referrer, keep),
    title: noEmails(document.title),
    search: u.search,
  };
}

/** `context.campaign` from the URL's utm_* parameters (utm_campaign becomes `name`, as in Segment), or undefined. */
export function campaignOf(search: string): Context['campaign'] {
  const out: Record<string, string> = {};
  new URLSearchParams(search).forEach((v, k) => {
    if (k.startsWith('utm_') && v) out[k == 'utm_campaign' ? 'name' : k.slice(4)] = noEmails(v);
  });
  for (const _ in out) return out;
}
