import type { Context } from '../types';
import { cleanUrl, noEmails } from './privacy';

let lastKey = '';
let last: Context['page'];

/**
 * `context.page` of the current document, cleaned (see cleanUrl): `keep` lists query parameters to
 * keep. Worked out once per URL, referrer and title (cleaning parses URLs and runs the email
 * pattern: most of a track() call otherwise); a copy each time, so a beforeSend hook that edits it
 * cannot touch the next event's.
 */
export function pageContext(keep: string[]): Context['page'] {
  const key = [location.href, document.referrer, document.title, ...keep].join('\n');
  if (key != lastKey) {
    const url = cleanUrl(location.href, keep);
    const u = new URL(url);
    last = {
      url,
      path: u.pathname,
      referrer: cleanUrl(document.referrer, keep),
      title: noEmails(document.title),
      search: u.search,
    };
    lastKey = key;
  }
  return { ...last };
}

/** `context.campaign` from the URL's utm_* parameters (utm_campaign becomes `name`, as in Segment), or undefined. */
export function campaignOf(search: string): Context['campaign'] {
  const out: Record<string, string> = {};
  new URLSearchParams(search).forEach((v, k) => {
    if (k.startsWith('utm_') && v) out[k == 'utm_campaign' ? 'name' : k.slice(4)] = noEmails(v);
  });
  for (const _ in out) return out;
}
