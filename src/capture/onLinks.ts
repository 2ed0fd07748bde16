import type { Properties } from '../types';

/** Paths that are files to download rather than pages. */
const FILE =
  /\.(pdf|zip|gz|tgz|rar|7z|dmg|exe|msi|pkg|apk|iso|csv|xlsx?|docx?|pptx?|odt|ods|txt|rtf|epub|mp3|mp4|mov|avi|wav|json|xml)$/i;

/**
 * `Outbound Link Clicked` for links to other hosts and `File Downloaded` for links to files (the
 * URL without its query string or fragment, which may carry tokens), and declarative custom
 * events: a click on an element with `data-engagekit-event="Signup"` (the submit of a form that
 * has it) tracks `Signup` with the element's `data-engagekit-prop-*` attributes as properties.
 * Middle clicks count too.
 * Returns a stop function.
 */
export function onLinks(track: (event: string, properties: Properties) => void): () => void {
  const custom = (el: HTMLElement) => {
    const p: Properties = {};
    for (const a of el.attributes)
      if (a.name.startsWith('data-engagekit-prop-'))
        p[a.name.slice(20).replace(/-./g, (m) => m[1].toUpperCase())] = a.value;
    track(el.dataset.engagekitEvent!, p);
  };
  const click = (e: Event) => {
    if ((e as MouseEvent).button > 1) return;
    const target = e.target as Element;
    const el = target.closest?.('[data-engagekit-event]') as HTMLElement | null;
    // A declarative form counts when it is submitted, not at each click inside it.
    if (el && el.tagName != 'FORM') custom(el);
    const a = target.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!a || !/^https?:$/.test(a.protocol)) return;
    const url = a.origin + a.pathname;
    if (a.hasAttribute('download') || FILE.test(a.pathname)) track('File Downloaded', { url });
    else if (a.host != location.host) track('Outbound Link Clicked', { url });
  };
  // The browser fires submit only once the form is valid; a page that then cancels it to post by script still submitted.
  const submit = (e: Event) => (e.target as HTMLElement).dataset?.engagekitEvent && custom(e.target as HTMLElement);
  document.addEventListener('click', click, true);
  document.addEventListener('auxclick', click, true);
  document.addEventListener('submit', submit, true);
  return () => {
    document.removeEventListener('submit', submit, true);
    document.removeEventListener('click', click, true);
    document.removeEventListener('auxclick', click, true);
  };
}
