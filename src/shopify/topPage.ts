/**
 * The Shopify pixel build's `context.page` (rollup.config.mjs puts this file in place of
 * lib/pageContext.ts there). A custom pixel runs in a sandboxed iframe whose own `location`,
 * `document.title` and `document.referrer` are Shopify's sandbox, not the shop's page: the page is
 * the one Shopify describes in each event's `context.document` (and `init.context.document`), which
 * the pixel hands to `setTopPage` before it tracks the event. Cleaned as lib/pageContext.ts cleans
 * the storefront's (see cleanUrl).
 */
import type { Context } from '../types';
import { cleanUrl, noEmails } from '../lib/privacy';

export { campaignOf } from '../lib/pageContext';

/** The part of Shopify's `context.document` (WebPixelsDocument) that is read. */
export interface ShopifyDocument {
  location?: { href?: string };
  referrer?: string;
  title?: string;
}

let topDocument: ShopifyDocument = {};

/** The shop's page the next events happened on. */
export function setTopPage(document: ShopifyDocument | undefined): void {
  if (document?.location?.href) topDocument = document;
}

/** `context.page` of the shop's page (see setTopPage), cleaned; `keep` lists query parameters to keep. */
export function pageContext(keep: string[]): Context['page'] {
  const url = cleanUrl(String(topDocument.location?.href || location.href), keep);
  const parsed = new URL(url);
  return {
    url,
    path: parsed.pathname,
    referrer: cleanUrl(String(topDocument.referrer || ''), keep),
    title: noEmails(String(topDocument.title || '')),
    search: parsed.search,
  };
}
