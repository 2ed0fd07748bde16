import type { Properties } from '../types';
import { listen } from '../lib/listen';
import { safeStart } from '../lib/safeStart';

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
export const onLinks = /* @__PURE__ */ safeStart('onLinks', startLinks);

function startLinks(track: (event: string, properties: Properties) => void) {
  const trackCustomEvent = (element: HTMLElement) => {
    const properties: Properties = {};
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith('data-engagekit-prop-')) {
        // data-engagekit-prop-plan-name → planName
        const name = attribute.name.slice(20).replace(/-./g, (dashAndLetter) => dashAndLetter[1].toUpperCase());
        properties[name] = attribute.value;
      }
    }
    track(element.dataset.engagekitEvent!, properties);
  };
  // Guarded by listen: it runs in the page's clicks, which must never see our errors.
  const onClick = (event: Event) => {
    if ((event as MouseEvent).button > 1) return;
    const target = event.target as Element;
    const customEventElement = target.closest?.('[data-engagekit-event]') as HTMLElement | null;
    // A declarative form counts when it is submitted, not at each click inside it.
    if (customEventElement && customEventElement.tagName != 'FORM') trackCustomEvent(customEventElement);
    const link = target.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!link || !/^https?:$/.test(link.protocol)) return;
    const url = link.origin + link.pathname;
    if (link.hasAttribute('download') || FILE.test(link.pathname)) track('File Downloaded', { url });
    else if (link.host != location.host) track('Outbound Link Clicked', { url });
  };
  // The browser fires submit only once the form is valid (interactive validation comes first,
  // https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#concept-form-submit); a page that then
  // cancels it to post by script still submitted.
  const onSubmit = (event: Event) => {
    const form = event.target as HTMLElement;
    if (form.dataset?.engagekitEvent) trackCustomEvent(form);
  };
  return [
    listen(document, 'click', onClick, true),
    listen(document, 'auxclick', onClick, true),
    listen(document, 'submit', onSubmit, true),
  ];
}
