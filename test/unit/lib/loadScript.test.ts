/**
 * loadScript under Trusted Types: one policy per page, named `engagekit`, that makes only the URL
 * being loaded; a CSP that refuses the policy gets one warning naming it, and nothing throws.
 * (The real enforcement is tested in Chromium: test/browser/csp.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

type Rules = { createScriptURL(url: string): string };
let warn: MockInstance<typeof console.warn>;
const warned = () => warn.mock.calls.map((c) => String(c[0]));
// A fresh module each test: the policy is made once per page, that is once per module instance.
const fresh = async () => {
  vi.resetModules();
  return (await import('../../../src/lib/loadScript')).loadScript;
};

beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  // Scripts are not fetched here: the element is what is checked.
  vi.spyOn(document.head, 'appendChild').mockImplementation((node) => node);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('loadScript with Trusted Types', () => {
  it('makes one engagekit policy per page and lets through only the URL it is loading', async () => {
    let rules: Rules | undefined;
    const createPolicy = vi.fn((_name: string, given: Rules) => {
      rules = given;
      return { createScriptURL: (url: string) => given.createScriptURL(url) };
    });
    vi.stubGlobal('trustedTypes', { createPolicy });
    const loadScript = await fresh();
    const appended = vi.mocked(document.head.appendChild);
    void loadScript('https://cdn.test/engagekit-vitals.min.js');
    void loadScript('https://cdn.test/engagekit-vitals.min.js');
    expect(createPolicy.mock.calls.map(([name]) => name)).toEqual(['engagekit']);
    expect((appended.mock.calls[0][0] as HTMLScriptElement).src).toBe('https://cdn.test/engagekit-vitals.min.js');
    // Anyone else handed the policy gets nothing out of it.
    expect(() => rules!.createScriptURL('https://evil.test/x.js')).toThrow(TypeError);
    expect(warned()).toEqual([]);
  });

  it('without Trusted Types, sets the URL as it is', async () => {
    const loadScript = await fresh();
    void loadScript('https://cdn.test/a.js', 'n0nce');
    const script = vi.mocked(document.head.appendChild).mock.calls[0][0] as HTMLScriptElement;
    expect([script.src, script.nonce]).toEqual(['https://cdn.test/a.js', 'n0nce']);
  });

  it('when the CSP refuses the policy and requires Trusted Types: one warning naming the policy, a rejection, no throw', async () => {
    vi.stubGlobal('trustedTypes', {
      createPolicy: () => {
        throw new TypeError('Failed to execute \'createPolicy\': Policy "engagekit" disallowed.');
      },
    });
    vi.spyOn(HTMLScriptElement.prototype, 'src', 'set').mockImplementation(() => {
      throw new TypeError("This document requires 'TrustedScriptURL' assignment.");
    });
    const loadScript = await fresh();
    await expect(loadScript('https://cdn.test/engagekit-vitals.min.js')).rejects.toThrow(TypeError);
    await expect(loadScript('https://cdn.test/engagekit-vitals.min.js')).rejects.toThrow(TypeError);
    expect(warned()).toHaveLength(1);
    expect(warned()[0]).toMatch(/^engagekit: .*trusted-types.*'engagekit'|^engagekit: .*'engagekit'.*trusted-types/);
    expect(document.head.appendChild).not.toHaveBeenCalled();
  });

  it('when the CSP refuses the policy but does not require Trusted Types, loads with the plain URL, silently', async () => {
    vi.stubGlobal('trustedTypes', {
      createPolicy: () => {
        throw new TypeError('disallowed');
      },
    });
    const loadScript = await fresh();
    void loadScript('https://cdn.test/b.js');
    expect((vi.mocked(document.head.appendChild).mock.calls[0][0] as HTMLScriptElement).src).toBe(
      'https://cdn.test/b.js',
    );
    expect(warned()).toEqual([]);
  });
});
