/**
 * `npm run demo:traffic` over the weeks, without a browser: the visits of a seed are spread over
 * the last 13 weeks, its regular customers come back for weeks, and the delivery proxy takes
 * `sentAt` out of the batches (gzip ones included), so the collector keeps the simulated past
 * capture times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { SPREAD_DAYS, deliveryWatch, planVisit } from '../../examples/shop/traffic.mjs';

describe('demo traffic over the weeks', () => {
  it('spreads the visits of a run over 13 weeks, with regular customers who come back', () => {
    const plans = Array.from({ length: 40 }, (_, i) => planVisit(1, i));
    for (const p of plans) {
      expect(p.daysAgo).toBeGreaterThan(0);
      expect(p.daysAgo).toBeLessThanOrEqual(SPREAD_DAYS);
    }
    const days = plans.map((p) => p.daysAgo);
    expect(Math.max(...days) - Math.min(...days)).toBeGreaterThan(60);
    const regulars = plans.filter((p) => p.persona === 'regular');
    expect(regulars.length).toBeGreaterThanOrEqual(3);
    for (const r of regulars) {
      // First visit 8 to 12 weeks ago, then one every 8 to 24 days.
      expect(r.daysAgo).toBeGreaterThanOrEqual(56);
      expect(r.daysAgo).toBeLessThan(85);
      expect(r.sessions).toBeGreaterThanOrEqual(3);
    }
    // The same seed plans the same visits.
    expect(planVisit(1, 7).daysAgo).toBe(plans[7].daysAgo);
  });

  describe('the delivery proxy', () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let collector: http.Server;
    let collectorOrigin: string;
    let watch: Awaited<ReturnType<typeof deliveryWatch>>;
    beforeAll(async () => {
      collector = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"accepted":1}');
        });
      });
      await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
      collectorOrigin = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      watch = await deliveryWatch({ shop: 'http://127.0.0.1:1', collector: collectorOrigin, backdate: true });
    });
    afterAll(async () => {
      await watch?.close();
      await new Promise((r) => collector?.close(r));
    });

    /** POST through the proxy, as Chromium sends a request to a forward proxy. */
    const post = (body: Buffer, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const proxy = new URL(watch.url);
        const req = http.request(
          {
            host: proxy.hostname,
            port: proxy.port,
            method: 'POST',
            path: `${collectorOrigin}/v1/batch`,
            headers: { ...headers, 'Content-Length': String(body.length) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode || 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    it('takes sentAt out of plain and gzip batches, and counts them', async () => {
      const batch = {
        batch: [{ type: 'track', event: 'Signup', timestamp: '2024-03-01T12:00:00.000Z' }],
        sentAt: '2024-03-01T12:00:01.000Z',
        writeKey: 'k',
      };
      const mark = watch.mark();
      expect(await post(Buffer.from(JSON.stringify(batch)), { 'Content-Type': 'text/plain' })).toBe(200);
      expect(
        await post(gzipSync(JSON.stringify(batch)), { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }),
      ).toBe(200);
      expect(await watch.settled(mark)).toBe(true);
      expect(received).toHaveLength(2);
      for (const r of received) {
        expect(r.headers['content-encoding']).toBeUndefined();
        expect(JSON.parse(r.body)).toEqual({ batch: batch.batch, writeKey: 'k' });
      }
      expect(watch.stats).toMatchObject({ batches: 2, events: 2, rejected: 0 });
    });
  });
});
