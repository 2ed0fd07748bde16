import type { Properties } from '../types';
import { onRouteChange } from '../lib/routeChange';

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface FormState {
  start: number;
  touched: Set<string>;
  last: string;
  invalid: number;
  done?: 1;
}

/** Field types that are not something a person fills in. */
const NOT_FILLED = /^(hidden|submit|button|reset|image)$/;

/**
 * `Form Started` at the first real interaction with a form (typing, choosing, checking: focus alone
 * is not one), `Form Submitted` on submit, and `Form Abandoned` when a started form was not
 * submitted before its page view ended (pagehide, route change, the hidden page frozen by the
 * browser, which mobile browsers then discard) or the form left the page. Each
 * carries form_id, form_name, action_path, field_count, fields_touched, last_field (the name or id
 * of the last field touched), time_ms and invalid_count (validation errors seen). Listens at the
 * document, so forms added later count. Reads names and ids, never a field's value. Forms with
 * `data-engagekit-ignore` are skipped, and so are those matching `opts.ignore` (autocapture passes the
 * e-commerce platforms' add-to-cart forms: an add is a `Product Added`, not a form filled in). A submit the page cancels because the form is invalid is
 * not counted; `form.submit()`, which fires no event, is noticed by wrapping it.
 * Returns a stop function.
 */
export function onForms(
  track: (event: string, properties: Properties) => void,
  opts: { ignore?: string } = {},
): () => void {
  const forms = new Map<HTMLFormElement, FormState>();
  const nameOf = (el: Element) => el.getAttribute('name') || el.id || '';
  const fields = (f: HTMLFormElement) =>
    [...f.elements].filter((e) => 'value' in e && !NOT_FILLED.test((e as Field).type)).length;

  const props = (f: HTMLFormElement, st: FormState): Properties => ({
    // getAttribute: a field named "id" (Shopify's variant input) shadows the form's `id` property.
    form_id: f.getAttribute('id') || '',
    form_name: f.getAttribute('name') || '',
    action_path: new URL(f.getAttribute('action') || '', location.href).pathname,
    field_count: fields(f),
    fields_touched: st.touched.size,
    last_field: st.last,
    time_ms: Date.now() - st.start,
    invalid_count: st.invalid,
  });

  const skip = (f: HTMLFormElement) =>
    f.hasAttribute?.('data-engagekit-ignore') || !!(opts.ignore && f.matches?.(opts.ignore));
  const formOf = (t: EventTarget | null) => {
    const f = (t as Field | null)?.form;
    return f && !skip(f) ? f : undefined;
  };

  const touch = (e: Event) => {
    const f = formOf(e.target);
    if (!f || NOT_FILLED.test((e.target as Field).type)) return;
    let st = forms.get(f);
    const fresh = !st || st.done;
    if (fresh) forms.set(f, (st = { start: Date.now(), touched: new Set(), last: '', invalid: 0 }));
    st!.last = nameOf(e.target as Element);
    st!.touched.add(st!.last);
    // Started names the field it started with.
    if (fresh) track('Form Started', props(f, st!));
  };

  const invalid = (e: Event) => {
    const st = forms.get(formOf(e.target)!);
    if (st) st.invalid++;
  };

  const submitted = (f: HTMLFormElement) => {
    const st = forms.get(f) || { start: Date.now(), touched: new Set<string>(), last: '', invalid: 0 };
    if (st.done) return;
    st.done = 1;
    forms.set(f, st);
    track('Form Submitted', props(f, st));
  };

  // Bubble phase at the window: the page's own handlers have run, so a cancelled submit is known.
  const submit = (e: Event) => {
    const f = e.target as HTMLFormElement;
    // validity, not checkValidity(): that would fire "invalid" events of our own and count them.
    if (skip(f) || (e.defaultPrevented && [...f.elements].some((el) => (el as Field).validity?.valid === false)))
      return;
    submitted(f);
  };

  const abandon = (f: HTMLFormElement, st: FormState) => {
    if (st.done) return;
    st.done = 1;
    track('Form Abandoned', props(f, st));
  };
  const endAll = () => {
    forms.forEach((st, f) => abandon(f, st));
    forms.clear();
  };

  // A started form taken off the page (a modal closed, a route re-rendered) was abandoned.
  const removed = new MutationObserver(() =>
    forms.forEach((st, f) => f.isConnected || (abandon(f, st), forms.delete(f))),
  );
  removed.observe(document, { childList: true, subtree: true });

  const proto = HTMLFormElement.prototype;
  const native = proto.submit;
  proto.submit = function (this: HTMLFormElement) {
    if (!skip(this)) submitted(this);
    return native.call(this);
  };

  const stopRoute = onRouteChange(endAll);
  document.addEventListener('input', touch, true);
  document.addEventListener('change', touch, true);
  document.addEventListener('invalid', invalid, true);
  addEventListener('submit', submit);
  // Capture phase, so the events are queued before the tracker's own pagehide listener sends.
  addEventListener('pagehide', endAll, true);
  // A hidden page the browser freezes (Page Lifecycle API) is usually gone for good: mobile
  // browsers discard frozen pages without a pagehide. Its abandoned forms are counted now; the
  // events are stored and go when the page resumes or on the site's next page load.
  document.addEventListener('freeze', endAll, true);
  return () => {
    stopRoute();
    removed.disconnect();
    proto.submit = native;
    document.removeEventListener('input', touch, true);
    document.removeEventListener('change', touch, true);
    document.removeEventListener('invalid', invalid, true);
    removeEventListener('submit', submit);
    removeEventListener('pagehide', endAll, true);
    document.removeEventListener('freeze', endAll, true);
  };
}
