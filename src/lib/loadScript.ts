import { warn } from './warn';

/** The part of the Trusted Types API (https://w3c.github.io/trusted-types/dist/spec/) used here. */
interface ScriptUrlPolicy {
  createScriptURL(url: string): string;
}

/**
 * The name of our Trusted Types policy (https://w3c.github.io/trusted-types/dist/spec/#trusted-types-csp-directive).
 * A site whose CSP requires Trusted Types (`require-trusted-types-for 'script'`) and names the
 * policies it allows (`trusted-types …`) adds it to that list to get Web Vitals:
 * `trusted-types <its own policies> engagekit`. Without a `trusted-types` directive any name is
 * allowed; should the site load engagekit twice, 'allow-duplicates' too. Otherwise Web Vitals are
 * skipped, with one console warning that says this, and everything else works.
 */
export const POLICY_NAME = 'engagekit';

// Our Trusted Types policy, made once per page (a second policy of the same name is refused unless
// the CSP says 'allow-duplicates'); null when the page has no Trusted Types or refused it.
let policy: ScriptUrlPolicy | null | undefined;
// The one URL the policy lets through: the script `loadScript` is loading at that moment.
let allowedUrl = '';

/**
 * `url` as a TrustedScriptURL where the page has Trusted Types. Under
 * `require-trusted-types-for 'script'`, setting a script's src to a string throws a TypeError
 * (https://w3c.github.io/trusted-types/dist/spec/#enforcement-in-sinks); our policy makes only the
 * URL `loadScript` was asked for and throws for any other, so it is of no use to anyone else.
 */
function trusted(url: string): string {
  if (policy === undefined) {
    policy = null;
    const trustedTypes = (window as { trustedTypes?: { createPolicy(name: string, rules: object): ScriptUrlPolicy } })
      .trustedTypes;
    try {
      if (trustedTypes)
        policy = trustedTypes.createPolicy(POLICY_NAME, {
          createScriptURL(given: string) {
            if (given !== allowedUrl) throw TypeError(given);
            return given;
          },
        });
    } catch {
      // The CSP's trusted-types directive does not list our name: a string may still do (no
      // require-trusted-types-for); if not, setting src throws and loadScript warns.
    }
  }
  allowedUrl = url;
  return policy ? policy.createScriptURL(url) : url;
}

/**
 * Load a classic script (not a module: a CDN without CORS headers serves it too) and resolve when
 * it has run; reject when it fails to load or the page's CSP refuses it (with one warning when
 * Trusted Types refuse it: what to add to the CSP). `nonce` lets it through a nonce-based CSP.
 */
export function loadScript(src: string, nonce = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    try {
      script.src = trusted(src);
    } catch (error) {
      warn(
        `the page's Content-Security-Policy trusted-types does not allow the policy '${POLICY_NAME}': add it to load ${src}`,
      );
      return reject(error);
    }
    script.nonce = nonce;
    script.onload = () => resolve();
    script.onerror = reject;
    document.head.appendChild(script);
  });
}
