import type { Context } from '../types';
import { cleanUrl, noEmails } from './privacy';

/** What `lastPage` was worked out from: URL, referrer, title and `keep`. */
let lastFrom: unknown[] = [];
/** The cleaned `context.page` worked out from `lastFrom`. */
let lastPage: Context['page'];

/**
 * `context.page` of the current document, cleaned (see cleanUrl): `keep` lists query parameters to
 * keep. Worked out once per URL, referrer and title (cleaning parses URLs and runs the email
 * pattern: most of a track() call otherwise); a copy each time, so a beforeSend hook that edits it
 * cannot touch the next event's.
 */
export function pageContext(keep: string[]): Context['page'] {
  const from = [location.href, document.referrer, document.title, keep];
  if (from.some((value, i) => value !== lastFrom[i])) {
    const url = cleanUrl(location.href, keep);
    const parsed = new URL(url);
    lastPage = {
      url,
      path: parsed.pathname,
      referrer: cleanUrl(document.referrer, keep),
      title: noEmails(document.title),
      search: parsed.search,
    };
    lastFrom = from;
  }
  return { ...lastPage };
}

/** The query string `lastCampaign` was read from, and that campaign. */
let lastSearch: string | undefined;
let lastCampaign: Record<string, string> = {};

/**
 * `context.campaign` from the URL's utm_* parameters (utm_campaign becomes `name`, as in Segment), or
 * undefined. Parsed once per query string (URLSearchParams was the costliest step of a track() call
 * after serialising); a copy each time, as `pageContext`.
 */
export function campaignOf(search: string): Context['campaign'] {
  if (search !== lastSearch) {
    lastCampaign = {};
    new URLSearchParams(search).forEach((value, key) => {
      if (key.startsWith('utm_') && value)
        lastCampaign[key == 'utm_campaign' ? 'name' : key.slice(4)] = noEmails(value);
    });
    lastSearch = search;
  }
  // Undefined when there is no utm_* parameter: the loop returns only if there is a key.
  for (const _key in lastCampaign) return { ...lastCampaign };
}
