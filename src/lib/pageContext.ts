import type { Context } from '../types';

/** `context.page` of the current document. */
export function pageContext(): Context['page'] {
  return {
    url: location.href,
    path: location.pathname,
    referrer: document.referrer,
    title: document.title,
    search: location.search,
  };
}

/** `context.campaign` from the URL's utm_* parameters (utm_campaign becomes `name`, as in Segment), or undefined. */
export function campaignOf(search: string): Context['campaign'] {
  const out: Record<string, string> = {};
  new URLSearchParams(search).forEach((v, k) => {
    if (k.startsWith('utm_') && v) out[k == 'utm_campaign' ? 'name' : k.slice(4)] = v;
  });
  for (const _ in out) return out;
}
