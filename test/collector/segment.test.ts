/**
 * Segment's own browser SDK, @segment/analytics-next, unchanged, pointed at the reference
 * collector in real Chromium: its track, page and identify calls are validated and stored, which
 * proves the collector speaks the real Segment format and not only engagekit's dialect of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../examples/collector/server.mjs';
import { launch } from '../browser/support/browser';

const umd = new URL('../../node_modules/@segment/analytics-next/dist/umd/', import.meta.url);
let dir: string;
let collector: Awaited<ReturnType<typeof startCollector>>;
let site: http.Server;
let siteUrl: string;
const logs: Record<string, unknown>[] = [];

/** The columns this test selects from `events` (properties and context are JSON text). */
type EventRow = {
  type: string;
  event: string | null;
  name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  write_key: string;
  session_id: string | null;
  properties: string;
  context: string;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engagekit-segment-'));
  collector = await startCollector({ dataDir: dir, log: (l) => logs.push(l as Record<string, unknown>) });
  const apiHost = collector.url.replace('http://', '') + '/v1';
  site = http.createServer((req, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    // The SDK's own chunks, served where its cdnURL says (nothing is fetched from Segment's CDN).
    if (path.startsWith('/analytics-next/bundles/')) {
      try {
        return res
          .writeHead(200, { 'Content-Type': 'text/javascript' })
          .end(readFileSync(new URL(path.slice('/analytics-next/bundles/'.length), umd)));
      } catch {
        return res.writeHead(404).end();
      }
    }
    // ?batching: analytics-next's batching delivery (POST /v1/b, write key as Basic auth, so a CORS preflight).
    const batching = new URL(req.url || '/', 'http://x').searchParams.has('batching');
    const writeKey = batching ? 'seg-batch-key' : 'seg-key';
    const delivery = batching ? `, deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 100 } }` : '';
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><title>Segment</title>
<script src="/analytics-next/bundles/index.js"></script>
<script>
  // Settings inline instead of fetched from cdn.segment.com; events to our collector, over http.
  window.ready = AnalyticsNext.AnalyticsBrowser.load({
    writeKey: '${writeKey}',
    cdnURL: location.origin,
    cdnSettings: { integrations: { 'Segment.io': { apiKey: '${writeKey}', apiHost: '${apiHost}', protocol: 'http'${delivery} } } },
  }).then(async ([analytics]) => {
    await analytics.identify('user-7', { plan: 'pro' });
    await analytics.page('Home');
    await analytics.track('Order Completed', { order_id: 'S-1', revenue: 19.5 });
    return true;
  });
</script>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await collector?.close();
  site?.closeAllConnections();
  await new Promise((r) => site?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['one request per event (/v1/t, /v1/p, /v1/i)', '', 'seg-key', '/v1/t'],
  ['batching (/v1/b, write key by Basic auth)', '?batching', 'seg-batch-key', '/v1/b'],
])("stores what Segment's analytics-next sends, unchanged, to its own endpoints: %s", (_, query, writeKey, route) => {
  it('stores its identify, page and track', async () => {
    const b = await launch();
    try {
      const page = await b.context.newPage();
      await page.goto(siteUrl + query);
      expect(await page.evaluate(() => (window as unknown as { ready: Promise<boolean> }).ready)).toBe(true);
      let rows: EventRow[] = [];
      // Bounded wait for the condition: the SDK resolves its calls before (batching) or as it sends.
      for (let i = 0; i < 100 && rows.length < 3; i++) {
        rows = (await collector.store.all(
          'SELECT type, event, name, user_id, anonymous_id, write_key, session_id, properties, context FROM events WHERE write_key = ? ORDER BY type',
          [writeKey],
        )) as EventRow[];
        if (rows.length < 3) await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows.map((r) => r.type)).toEqual(['identify', 'page', 'track']);
      const [identify, pageView, track] = rows;
      expect(identify).toMatchObject({ user_id: 'user-7', session_id: null });
      expect(JSON.parse(identify.properties)).toEqual({ plan: 'pro' });
      expect(pageView.name).toBe('Home');
      expect(track).toMatchObject({ event: 'Order Completed', user_id: 'user-7' });
      expect(JSON.parse(track.properties)).toEqual({ order_id: 'S-1', revenue: 19.5 });
      expect(JSON.parse(track.context).library.name).toBe('analytics.js');
      expect(new Set(rows.map((r) => r.anonymous_id)).size).toBe(1);
      expect(logs).toContainEqual(expect.objectContaining({ method: 'POST', path: route, status: 200, rejected: 0 }));
    } finally {
      await b.close();
    }
  });
});
