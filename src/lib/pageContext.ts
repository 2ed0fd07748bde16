import type { Context } from '../types';
import { cleanUrl, noEmails } from './privacy';

/** What `lastPage` was worked out from: URL, referrer, title and `keep`. */
let lastKey = '';
/** The cleaned `context.page` of `lastKey`. */
let lastPage: Context['page'];

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
    const parsed = new URL(url);
    lastPage = {
      url,
      path: parsed.pathname,
      referrer: cleanUrl(document.referrer, keep),
      title: noEmails(document.title),
      search: parsed.search,
    };
    lastKey = key;
  }
  return { ...lastPage };
}

/** `context.campaign` from the URL's utm_* parameters (utm_campaign becomes `name`, as in Segment), or undefined. */
export function campaignOf(search: string): Context['campaign'] {
  const campaign: Record<string, string> = {};
  new URLSearchParams(search).forEach((value, key) => {
    if (key.startsWith('utm_') && value) campaign[key == 'utm_campaign' ? 'name' : key.slice(4)] = noEmails(value);
  });
  // Undefined when there is no utm_* parameter: the loop returns only if there is a key.
  for (const _key in campaign) return campaign;
}
