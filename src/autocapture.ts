import { onEngagement } from './capture/onEngagement';
import { onForms } from './capture/onForms';
import { onLinks } from './capture/onLinks';
import { onPageView } from './capture/onPageView';
import { scrub } from './lib/privacy';
import type { Properties, Tracker } from './types';

/** Which automatic captures to run; each is on unless set to false (script tags: `data-forms="false"`, …). */
export interface AutocaptureOptions {
  /** Page views, single-page-app navigations included. */
  pageView?: boolean;
  /** `Page Engagement`: engaged time and scroll depth. */
  engagement?: boolean;
  /** `Form Started`, `Form Submitted`, `Form Abandoned`. */
  forms?: boolean;
  /** `Outbound Link Clicked`, `File Downloaded` and `data-engagekit-event` clicks. */
  links?: boolean;
}

/**
 * Start every automatic capture on a tracker (what the script tag does). npm users who want only
 * some can call `onPageView`, `onEngagement`, `onForms` and `onLinks` themselves; the others are
 * then left out of their bundle. Returns a function that stops them all.
 */
export function autocapture(t: Tracker, o: AutocaptureOptions = {}): () => void {
  // Automatically captured properties (form names, link URLs) lose anything shaped like an email.
  const track = (event: string, p: Properties) => t.track(event, scrub(p));
  const stops = [
    o.engagement !== false && onEngagement(track),
    o.forms !== false && onForms(track),
    o.links !== false && onLinks(track),
    // Last: its first page view comes after the others are listening.
    o.pageView !== false && onPageView(() => t.page()),
  ];
  return () => stops.forEach((s) => s && s());
}
