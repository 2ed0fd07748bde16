import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const dist = new URL('../../../dist/', import.meta.url);

/** Options of a page's script tag: `data-*` attributes, without the `data-` prefix. */
export type Attrs = Record<string, string>;

/**
 * The site under test: serves the built dist/engagekit.min.js (and engagekit-vitals.min.js) and pages whose script tag points at
 * the collector. Opened as http://localhost:PORT while the collector is http://127.0.0.1:CPORT, so
 * every send is cross-origin and cross-site and CORS is exercised. `?attrs=` (JSON) adds data-*
 * attributes to a page; any path serves a page.
 */
export class Site {
  private server?: http.Server;
  port = 0;
  /** Paths of the scripts served (engagekit.min.js, engagekit-vitals.min.js), in order. */
  scripts: string[] = [];
  /** Page bodies by path, for fixture pages (forms, single-page apps); other paths get a plain page. */
  bodies: Record<string, string> = {};
  /** Paths answered with a 303 redirect to another path, as a platform answers an accepted form post. */
  redirects: Record<string, string> = {};
  /** Markup put in a page's head before the script tag, by path (a platform's globals, say). */
  heads: Record<string, string> = {};
  /**
   * Whole pages served as they are, without engagekit's script tag, for paths this returns one for
   * (a Shopify checkout, which runs no theme script: see shopifyCheckout.ts).
   */
  rawPage: (path: string) => string | undefined = () => undefined;
  /** Extra response headers of a page, by path (a Content-Security-Policy, say). */
  headers: Record<string, Record<string, string>> = {};
  /** HTML put in every page's head before engagekit's stub (a test's instrumentation or fault). */
  head = '';

  constructor(
    private endpoint: () => string,
    private defaults: Attrs = {},
  ) {}

  url(path = '/', attrs?: Attrs): string {
    const q = attrs ? (path.includes('?') ? '&' : '?') + 'attrs=' + encodeURIComponent(JSON.stringify(attrs)) : '';
    return `http://localhost:${this.port}${path}${q}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const u = new URL(req.url || '/', 'http://x');
      if (/^\/engagekit(-vitals|-consent)?\.min\.js/.test(u.pathname)) {
        this.scripts.push(u.pathname);
        return res
          .writeHead(200, { 'Content-Type': 'text/javascript' })
          .end(readFileSync(new URL('.' + u.pathname, dist)));
      }
      if (u.pathname === '/favicon.ico') return res.writeHead(404).end();
      const raw = this.rawPage(u.pathname + u.search);
      if (raw !== undefined)
        return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(raw);
      if (this.redirects[u.pathname]) return res.writeHead(303, { Location: this.redirects[u.pathname] }).end();
      const attrs: Attrs = {
        endpoint: this.endpoint(),
        'write-key': 'test-key',
        ...this.defaults,
        ...JSON.parse(u.searchParams.get('attrs') || '{}'),
      };
      const tag = Object.entries(attrs)
        .map(([k, v]) => ` data-${k}="${String(v).replace(/"/g, '&quot;')}"`)
        .join('');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        ...this.headers[u.pathname],
      }).end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Test ${u.pathname}</title>${this.head}${this.heads[u.pathname] ?? ''}
<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};</script>
<script async src="/engagekit.min.js"${tag}></script>
</head><body>${this.bodies[u.pathname] ?? `<h1>${u.pathname}</h1><a id="next" href="/next">next</a>`}</body></html>`);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

/** Another site (another origin and site) to navigate away to. */
export async function otherSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer((_, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title><p>elsewhere</p>'),
  );
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}
