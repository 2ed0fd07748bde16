import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onForms } from '../../../src/capture/onForms';
import { onPageView } from '../../../src/capture/onPageView';

// HTMLFormElement.prototype.submit as the page has it, before any onForms wrapped it.
const pageSubmit = HTMLFormElement.prototype.submit;
let stop: () => void;
let track: Mock<(event: string, properties: Record<string, unknown>) => void>;
beforeEach(() => {
  document.body.innerHTML = `<form id="f" name="order" action="/buy"><input name="email"><input name="zip"><input type="hidden" name="t"><button>go</button></form>
  <form id="skip" data-engagekit-ignore><input name="x"></form><form id="programmatic" action="/p"></form>`;
  track = vi.fn();
  stop = onForms(track);
});
afterEach(() => stop());

const input = (name: string, value: string) => {
  const field = document.querySelector<HTMLInputElement>(`[name=${name}]`)!;
  field.value = value;
  field.dispatchEvent(new Event('input', { bubbles: true }));
};
const calls = () =>
  track.mock.calls.map(([event, properties]) => [event, properties.last_field, properties.fields_touched]);

describe('onForms', () => {
  it('starts on the first input, abandons at pagehide with the last field, and never sends a value', () => {
    input('email', 'secret@example.com');
    input('zip', '75001');
    window.dispatchEvent(new Event('pagehide'));
    expect(calls()).toEqual([
      ['Form Started', 'email', 1],
      ['Form Abandoned', 'zip', 2],
    ]);
    expect(track.mock.calls[0][1]).toMatchObject({
      form_id: 'f',
      form_name: 'order',
      action_path: '/buy',
      field_count: 2,
    });
    expect(JSON.stringify(track.mock.calls)).not.toMatch(/secret|75001/);
    window.dispatchEvent(new Event('pagehide'));
    expect(track).toHaveBeenCalledTimes(2); // abandoned at most once
  });

  it('counts a submit, and form.submit() which fires no event, once', () => {
    input('email', 'a');
    const form = document.querySelector('form')!;
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    document.querySelector<HTMLFormElement>('#programmatic')!.submit();
    window.dispatchEvent(new Event('pagehide'));
    expect(track.mock.calls.map((call) => [call[0], call[1].form_id])).toEqual([
      ['Form Started', 'f'],
      ['Form Submitted', 'f'],
      ['Form Submitted', 'programmatic'],
    ]);
  });

  it('ignores a submit the page cancels because the form is invalid, and counts invalid fields', () => {
    document.querySelector<HTMLInputElement>('[name=email]')!.required = true;
    input('zip', '1');
    const form = document.querySelector('form')!;
    form.querySelector('[name=email]')!.dispatchEvent(new Event('invalid'));
    form.addEventListener('submit', (event) => event.preventDefault(), { once: true });
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    window.dispatchEvent(new Event('pagehide'));
    expect(track.mock.calls.map((call) => call[0])).toEqual(['Form Started', 'Form Abandoned']);
    expect(track.mock.calls[1][1].invalid_count).toBe(1);
  });

  it('skips forms marked data-engagekit-ignore', () => {
    input('x', 'y');
    document.querySelector<HTMLFormElement>('#skip')!.dispatchEvent(new Event('submit', { bubbles: true }));
    expect(track).not.toHaveBeenCalled();
  });

  it('abandons a started form that leaves the page', async () => {
    input('email', 'a');
    document.querySelector('#f')!.remove();
    await vi.waitFor(() => expect(track.mock.calls.map((call) => call[0])).toEqual(['Form Started', 'Form Abandoned']));
  });

  it("names a form by its id attribute even when a field named 'id' shadows form.id, and skips forms matching `ignore`", () => {
    stop();
    document.body.innerHTML = `<form id="product-form" action="/cart/add"><input type="hidden" name="id" value="4001"><input name="quantity"><button>Add</button></form>
      <form id="contact" action="/contact"><input name="id"><input name="message"></form>`;
    track = vi.fn();
    stop = onForms(track, { ignore: 'form[action$="/cart/add"]' });
    input('quantity', '2');
    document.querySelector('#product-form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    (document.querySelector('#product-form') as HTMLFormElement).submit();
    document
      .querySelector<HTMLInputElement>('#contact [name=id]')!
      .dispatchEvent(new Event('input', { bubbles: true }));
    expect(track.mock.calls.map(([event, properties]) => [event, properties.form_id])).toEqual([
      ['Form Started', 'contact'],
    ]);
  });

  it('abandons started forms when the hidden page is frozen (mobile browsers then discard it without pagehide)', () => {
    input('email', 'a');
    document.dispatchEvent(new Event('freeze'));
    expect(calls()).toEqual([
      ['Form Started', 'email', 1],
      ['Form Abandoned', 'email', 1],
    ]);
  });

  it("a started form whose action is no URL: the page's pushState still works, and the form is abandoned with action_path ''", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    document.querySelector('#f')!.setAttribute('action', 'http://[');
    history.replaceState({}, '', '/checkout');
    const stopPageView = onPageView(() => undefined);
    input('email', 'a');
    expect(() => history.pushState({}, '', '/next')).not.toThrow();
    expect(location.pathname).toBe('/next');
    expect(track.mock.calls.map(([event, properties]) => [event, properties.action_path])).toEqual([
      ['Form Started', ''],
      ['Form Abandoned', ''],
    ]);
    expect(warn).not.toHaveBeenCalled();
    stopPageView();
    warn.mockRestore();
  });

  it('stop() leaves a form.submit() wrapper another script put over ours, which keeps working, and records nothing more', () => {
    const formPrototype = HTMLFormElement.prototype;
    const ours = formPrototype.submit;
    const submitted: string[] = [];
    const theirs = function (this: HTMLFormElement) {
      submitted.push(this.id);
      return ours.call(this);
    };
    formPrototype.submit = theirs;
    const programmatic = document.querySelector<HTMLFormElement>('#programmatic')!;
    programmatic.submit();
    expect(track.mock.calls.map((call) => call[0])).toEqual(['Form Submitted']);
    stop();
    expect(formPrototype.submit).toBe(theirs);
    document.body.innerHTML = '<form id="later" action="/l"></form>';
    document.querySelector<HTMLFormElement>('#later')!.submit();
    expect(submitted).toEqual(['programmatic', 'later']);
    expect(track).toHaveBeenCalledTimes(1);
    formPrototype.submit = pageSubmit;
  });

  it("an ignore option that is no selector is one warning, never an error in the page's events", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    stop();
    stop = onForms(track, { ignore: '[[[' });
    expect(() => input('email', 'a')).not.toThrow();
    expect(() => input('zip', 'b')).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^engagekit: internal error: /);
    warn.mockRestore();
  });
});
