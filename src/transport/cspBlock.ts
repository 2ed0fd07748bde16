import { warn } from '../lib/warn';

/**
 * Whether a `securitypolicyviolation` event (https://w3c.github.io/webappsec-csp/#violation-events)
 * says the page's Content-Security-Policy blocks our requests to `endpoint`: enforced (not
 * report-only), under connect-src (which governs fetch and sendBeacon), for the endpoint's origin
 * (the blocked URI is the whole URL, or only its origin when a redirect led elsewhere). It warns
 * once when it does. The browser logs a console error for every blocked request, and a page's CSP
 * never loosens while it lives, so the tracker then stops sending from this page (see the
 * dispatcher's `_block`) instead of retrying for ever: events stay queued and go from a later page
 * of the site the CSP lets through.
 */
export function blocksEndpoint(event: SecurityPolicyViolationEvent, endpoint: string): boolean {
  const origin = new URL(endpoint).origin;
  const blocked =
    event.disposition == 'enforce' &&
    event.effectiveDirective == 'connect-src' &&
    (event.blockedURI + '/').startsWith(origin + '/');
  if (blocked)
    warn(
      `the page's Content-Security-Policy connect-src blocks ${origin}: add it to connect-src; ` +
        'events are kept and sent when allowed',
    );
  return blocked;
}
