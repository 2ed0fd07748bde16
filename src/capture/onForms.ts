import type { Properties } from '../types';
import { guard } from '../lib/guard';
import { listen } from '../lib/listen';
import { onRouteChange } from '../lib/routeChange';
import { safeStart } from '../lib/safeStart';
import { wrapMethod } from '../lib/wrapMethod';

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface FormState {
  start: number;
  touched: Set<string>;
  last: string;
  invalid: number;
  done?: 1;
}

/**
 * The path a form posts to; '' when its action is no URL (`action="http://["`): this runs inside
 * the page's own calls (its pushState, through a route change), which must never throw for it.
 */
function actionPath(form: HTMLFormElement): string {
  try {
    return new URL(form.getAttribute('action') || '', location.href).pathname;
  } catch {
    return '';
  }
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
 * `data-engagekit-ignore` are skipped, and so are those matching `options.ignore` (autocapture
 * passes the e-commerce platforms' add-to-cart forms: an add is a `Product Added`, not a form
 * filled in). A submit the page cancels because the form is invalid is not counted;
 * `form.submit()`, which fires no event, is noticed by wrapping it.
 * Returns a stop function.
 */
export const onForms = /* @__PURE__ */ safeStart('onForms', startForms);

function startForms(track: (event: string, properties: Properties) => void, options?: { ignore?: string }) {
  // Read once, before anything starts.
  const ignore = options?.ignore;
  const formStates = new Map<HTMLFormElement, FormState>();
  const nameOf = (element: Element) => element.getAttribute('name') || element.id || '';
  const fieldCount = (form: HTMLFormElement) =>
    [...form.elements].filter((element) => 'value' in element && !NOT_FILLED.test((element as Field).type)).length;

  const formProperties = (form: HTMLFormElement, state: FormState): Properties => ({
    // getAttribute: a field named "id" (Shopify's variant input) shadows the form's `id` property
    // (the form's named properties, https://html.spec.whatwg.org/multipage/forms.html#dom-form-nameditem).
    form_id: form.getAttribute('id') || '',
    form_name: form.getAttribute('name') || '',
    action_path: actionPath(form),
    field_count: fieldCount(form),
    fields_touched: state.touched.size,
    last_field: state.last,
    time_ms: Date.now() - state.start,
    invalid_count: state.invalid,
  });

  const isIgnored = (form: HTMLFormElement) =>
    form.hasAttribute?.('data-engagekit-ignore') || !!(ignore && form.matches?.(ignore));
  const formOf = (target: EventTarget | null) => {
    const form = (target as Field | null)?.form;
    return form && !isIgnored(form) ? form : undefined;
  };

  // Every listener is guarded (by listen): it runs inside the page's events, which must never see our errors.
  const touchField = (event: Event) => {
    const form = formOf(event.target);
    if (!form || NOT_FILLED.test((event.target as Field).type)) return;
    let state = formStates.get(form);
    const fresh = !state || state.done;
    if (fresh) {
      state = { start: Date.now(), touched: new Set(), last: '', invalid: 0 };
      formStates.set(form, state);
    }
    state!.last = nameOf(event.target as Element);
    state!.touched.add(state!.last);
    // Started names the field it started with.
    if (fresh) track('Form Started', formProperties(form, state!));
  };

  const countInvalid = (event: Event) => {
    const state = formStates.get(formOf(event.target)!);
    if (state) state.invalid++;
  };

  const recordSubmit = (form: HTMLFormElement) => {
    const state = formStates.get(form) || { start: Date.now(), touched: new Set<string>(), last: '', invalid: 0 };
    if (state.done) return;
    state.done = 1;
    formStates.set(form, state);
    track('Form Submitted', formProperties(form, state));
  };

  // Bubble phase at the window: the page's own handlers have run, so a cancelled submit is known.
  const onSubmit = (event: Event) => {
    const form = event.target as HTMLFormElement;
    if (isIgnored(form)) return;
    // validity, not checkValidity(): that would fire "invalid" events of our own and count them
    // (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#dom-cva-checkvalidity).
    if (event.defaultPrevented && [...form.elements].some((element) => (element as Field).validity?.valid === false)) {
      return;
    }
    recordSubmit(form);
  };

  const abandon = (form: HTMLFormElement, state: FormState) => {
    if (state.done) return;
    state.done = 1;
    track('Form Abandoned', formProperties(form, state));
  };
  // Guarded where it runs: by listen, and by onRouteChange.
  const abandonAll = () => {
    formStates.forEach((state, form) => abandon(form, state));
    formStates.clear();
  };

  // A started form taken off the page (a modal closed, a route re-rendered) was abandoned.
  const removalObserver = new MutationObserver(
    guard(() => {
      formStates.forEach((state, form) => {
        if (!form.isConnected) {
          abandon(form, state);
          formStates.delete(form);
        }
      });
    }),
  );
  removalObserver.observe(document, { childList: true, subtree: true });

  // form.submit() fires no submit event
  // (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#dom-form-submit): wrapped to be seen.
  // Seen before the original runs, as the page begins to navigate away.
  const unwrapSubmit = wrapMethod(
    HTMLFormElement.prototype,
    'submit',
    (form: HTMLFormElement) => {
      if (!isIgnored(form)) recordSubmit(form);
    },
    true,
  );

  return [
    unwrapSubmit,
    onRouteChange(abandonAll),
    listen(document, 'input', touchField, true),
    listen(document, 'change', touchField, true),
    listen(document, 'invalid', countInvalid, true),
    listen(window, 'submit', onSubmit),
    // Capture phase, so the events are queued before the tracker's own pagehide listener sends.
    listen(window, 'pagehide', abandonAll, true),
    // A hidden page the browser freezes (Page Lifecycle, https://wicg.github.io/page-lifecycle/#sec-lifecycle-states)
    // is usually gone for good: mobile browsers discard frozen pages without a pagehide. Its abandoned
    // forms are counted now; the events are stored and go when the page resumes or on the site's next page load.
    listen(document, 'freeze', abandonAll, true),
    () => removalObserver.disconnect(),
  ];
}
