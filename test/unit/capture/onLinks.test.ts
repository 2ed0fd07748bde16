import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { onLinks } from '../../../src/capture/onLinks';

let stop: () => void;
let track: Mock<(event: string, properties: Record<string, unknown>) => void>;
// Links are not followed, nor forms submitted: happy-dom would navigate away from the test's document.
const noNavigation = (event: Event) => event.preventDefault();
beforeEach(() => {
  track = vi.fn();
  stop = onLinks(track);
  window.addEventListener('click', noNavigation, true);
});
afterEach(() => {
  stop();
  window.removeEventListener('click', noNavigation, true);
  document.body.innerHTML = '';
});

const html = (markup: string) => {
  document.body.innerHTML = markup;
};
const click = (selector: string, init: MouseEventInit = {}, type = 'click') =>
  document
    .querySelector(selector)!
    .dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, button: 0, ...init }));

describe('onLinks', () => {
  it('tracks a link to another host as Outbound Link Clicked, with the URL without query string or fragment', () => {
    html('<a id="out" href="https://other.example/path/page?utm_source=x&token=secret#frag">x</a>');
    click('#out');
    expect(track.mock.calls).toEqual([['Outbound Link Clicked', { url: 'https://other.example/path/page' }]]);
  });

  it('ignores links to the same host, and ones that are not http(s)', () => {
    html(`<a id="same" href="/about?x=1">a</a><a id="abs" href="${location.origin}/pricing">b</a>
      <a id="mail" href="mailto:ada@example.com">m</a><a id="tel" href="tel:+331234">t</a><a id="js" href="javascript:void 0">j</a><a id="none">no href</a>`);
    for (const id of ['same', 'abs', 'mail', 'tel', 'js', 'none']) click('#' + id);
    expect(track).not.toHaveBeenCalled();
  });

  it('tracks downloads (a file extension, or the download attribute) without query string or fragment, same host or not', () => {
    html(`<a id="pdf" href="/files/Report.PDF?sig=abc123#page=2">pdf</a><a id="zip" href="https://cdn.example/v1/app.zip?token=t">zip</a>
      <a id="attr" href="/export?format=csv&key=k" download>export</a><a id="page" href="/docs/pdf-guide">not a file</a>`);
    for (const id of ['pdf', 'zip', 'attr', 'page']) click('#' + id);
    expect(track.mock.calls).toEqual([
      ['File Downloaded', { url: `${location.origin}/files/Report.PDF` }],
      ['File Downloaded', { url: 'https://cdn.example/v1/app.zip' }],
      ['File Downloaded', { url: `${location.origin}/export` }],
    ]);
    expect(JSON.stringify(track.mock.calls)).not.toMatch(/sig=|token|key=|page=2/);
  });

  it('counts clicks with modifier keys and middle clicks (auxclick), not right clicks', () => {
    html('<a id="out" href="https://other.example/">x</a>');
    click('#out', { ctrlKey: true });
    click('#out', { metaKey: true });
    click('#out', { shiftKey: true });
    click('#out', { button: 1 }, 'auxclick');
    click('#out', { button: 2 }, 'auxclick');
    expect(track).toHaveBeenCalledTimes(4);
    expect(track.mock.calls.every((call) => call[0] == 'Outbound Link Clicked')).toBe(true);
  });

  it('counts a click on an element inside a link', () => {
    html('<a id="out" href="https://other.example/x"><span><img id="img" alt=""></span></a>');
    click('#img');
    expect(track.mock.calls).toEqual([['Outbound Link Clicked', { url: 'https://other.example/x' }]]);
  });

  it('tracks data-engagekit-event with its data-engagekit-prop-* attributes, camel-cased, and only those', () => {
    html(`<div id="card" data-engagekit-event="Plan Chosen" data-engagekit-prop-plan-name="pro" data-engagekit-prop-seats="5"
      data-engagekit-prop-billing-cycle-length="annual" data-other="no" aria-label="x"><button id="btn"><span id="inner">Choose</span></button></div>`);
    click('#inner');
    expect(track.mock.calls).toEqual([['Plan Chosen', { planName: 'pro', seats: '5', billingCycleLength: 'annual' }]]);
  });

  it('a declarative link to another host tracks both events; a declarative form counts on submit, not on clicks inside it', () => {
    html(`<a id="a" href="https://other.example/signup" data-engagekit-event="Signup Clicked">go</a>
      <form id="f" data-engagekit-event="Signup" data-engagekit-prop-plan="free"><input id="email" name="email"><button id="b">send</button></form>`);
    click('#a');
    click('#email');
    click('#b');
    expect(track.mock.calls).toEqual([
      ['Signup Clicked', {}],
      ['Outbound Link Clicked', { url: 'https://other.example/signup' }],
    ]);
    const form = document.querySelector('form')!;
    // A page that cancels the submit to post by script still submitted the form.
    form.addEventListener('submit', (event) => event.preventDefault(), { once: true });
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    expect(track.mock.calls[2]).toEqual(['Signup', { plan: 'free' }]);
    // An ordinary form's submit is not an event of ours.
    document.body.insertAdjacentHTML('beforeend', '<form id="plain"></form>');
    document.querySelector('#plain')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    expect(track).toHaveBeenCalledTimes(3);
  });

  it('stop() removes its click, auxclick and submit listeners', () => {
    html(`<a id="out" href="https://other.example/">x</a><form id="f" data-engagekit-event="Signup"></form>`);
    stop();
    click('#out');
    click('#out', { button: 1 }, 'auxclick');
    document.querySelector('#f')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    expect(track).not.toHaveBeenCalled();
  });
});
