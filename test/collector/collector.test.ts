/**
 * The reference collector against real databases: SQLite (a file in a temp dir) and PostgreSQL (a
 * server these tests start). The same suite runs on both: formats and encodings, per-message
 * validation, deduplication by messageId (also across two instances), clock-skew correction, bad
 * input of every kind (malformed JSON, wrong types, huge bodies, gzip bombs, unknown write keys),
 * a flood of concurrent requests, storage failures (503, so SDKs retry) and a graceful close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollector } from '../../examples/collector/server.mjs';
import { startPostgres } from './support/postgres';
import { ekBatch, ekMessage } from './support/messages';

type Collector = Awaited<ReturnType<typeof startCollector>>;
const quiet = () => undefined;

const post = (c: Collector, body: unknown, { path = '/v1/batch', headers = {} as Record<string, string>, raw }: { path?: string; headers?: Record<string, string>; raw?: Buffer | string } = {}) =>
  fetch(c.url + path, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body: raw ?? JSON.stringify(body) });
const count = async (c: Collector) => Number((await c.store.all('SELECT COUNT(*) AS n FROM events'))[0].n);

const backends: ['sqlite' | 'postgres'][] = [['sqlite'], ['postgres']];

describe.each(backends)('collector on %s', (backend) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let databaseUrl: string | undefined;
  let c: Collector;
  const start = (o: Parameters<typeof startCollector>[0] = {}) => startCollector({ dataDir: dir, databaseUrl, log: quiet, ...o });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engagekit-collector-'));
    if (backend == 'postgres') {
      pgServer = await startPostgres();
      databaseUrl = pgServer.url;
    }
    c = await start();
  });
  afterAll(async () => {
    await c?.close();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores an engagekit batch with its columns, the capture time corrected for the client clock', async () => {
    // The client clock is 1 hour fast: it says the event was captured 2 s before the send.
    const clientNow = new Date(Date.now() + 3_600_000);
    const m = ekMessage({ userId: 'u-1' }, 2000, clientNow);
    const before = Date.now();
    const r = await post(c, ekBatch([m], clientNow));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [row] = await c.store.all('SELECT * FROM events WHERE message_id = ?', [m.messageId]);
    const ctx = m.context as any;
    expect(row).toMatchObject({ write_key: 'test-key', type: 'track', event: 'Signup', anonymous_id: 'anon-1', user_id: 'u-1', session_id: ctx.session.id, session_index: 1, page_count: 1, path: '/p', url: 'https://shop.example/p' });
    expect(JSON.parse(row.properties)).toEqual({ plan: 'pro' });
    expect(JSON.parse(row.context).library.name).toBe('engagekit');
    expect(row.ts).toBeGreaterThanOrEqual(before - 2000 - 50);
    expect(row.ts).toBeLessThanOrEqual(Date.now() - 2000 + 50);
  });

  it('takes text/plain, application/json, gzip and the single-message routes with Basic auth', async () => {
    const [a, b, g, s] = [ekMessage(), ekMessage(), ekMessage(), ekMessage({ type: 'page', name: 'Home', event: undefined })];
    expect((await post(c, ekBatch([a]))).status).toBe(200);
    expect((await post(c, ekBatch([b]), { headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    expect((await post(c, null, { raw: gzipSync(JSON.stringify(ekBatch([g]))), headers: { 'Content-Encoding': 'gzip' } })).status).toBe(200);
    const single = await post(c, { ...s, sentAt: new Date().toISOString() }, { path: '/v1/page', headers: { Authorization: 'Basic ' + Buffer.from('test-key:').toString('base64'), 'Content-Type': 'application/json' } });
    expect(single.status).toBe(200);
    const rows = await c.store.all(`SELECT message_id, type, write_key FROM events WHERE message_id IN (?, ?, ?, ?) ORDER BY type`, [a.messageId, b.messageId, g.messageId, s.messageId]);
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.message_id == s.messageId)).toMatchObject({ type: 'page', write_key: 'test-key' });
  });

  it('stores each messageId once: a batch sent again, and the same id twice in one batch', async () => {
    const m = ekMessage();
    const n0 = await count(c);
    expect(await (await post(c, ekBatch([m, { ...m }]))).json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await (await post(c, ekBatch([m]))).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await count(c)).toBe(n0 + 1);
  });

  it('keeps the valid messages of a partly bad batch and lists the rejected ones', async () => {
    const good = ekMessage();
    const bad = [
      ekMessage({ event: 42 }), // wrong type
      ekMessage({ messageId: undefined }), // missing field
      ekMessage({ type: 'track', event: undefined }), // track without event
      'not an object',
      { type: 'track', event: 'x', messageId: 'ajs-1', anonymousId: 'a', timestamp: 'yesterday' }, // Segment-style with a bad timestamp
    ];
    const r = await post(c, ekBatch([good, ...bad]));
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((x: { index: number }) => x.index)).toEqual([1, 2, 3, 4, 5]);
    for (const x of body.rejected) expect(x.reason).toMatch(/\w/);
    expect(await c.store.all('SELECT message_id FROM events WHERE message_id = ?', [good.messageId])).toHaveLength(1);
  });

  it('answers 400 with a reason to malformed bodies and batches with nothing valid', async () => {
    for (const raw of ['{"batch": [', '[]', '"text"', '{"batch": {}}', '{"batch": []}', JSON.stringify(ekBatch([ekMessage({ anonymousId: 7 })]))]) {
      const r = await post(c, null, { raw });
      expect(r.status, raw).toBe(400);
      expect((await r.json()).error, raw).toMatch(/\w/);
    }
    expect((await post(c, null, { raw: 'not gzip at all', headers: { 'Content-Encoding': 'gzip' } })).status).toBe(400);
  });

  it('refuses bodies over 500 KB with 413, and a gzip bomb without inflating it, and stays up', async () => {
    const big = ekBatch(Array.from({ length: 400 }, () => ekMessage({ properties: { pad: 'x'.repeat(1500) } })));
    expect((await post(c, big)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(50_000_000, 0x20)); // 50 MB of spaces in ~50 KB
    expect(bomb.length).toBeLessThan(100_000);
    const t0 = Date.now();
    const r = await post(c, null, { raw: bomb, headers: { 'Content-Encoding': 'gzip' } });
    expect(r.status).toBe(413);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('answers CORS preflights, and 401 to unknown write keys when keys are configured', async () => {
    const pre = await fetch(c.url + '/v1/batch', { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-encoding' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Content-Encoding/i);
    const keyed = await start({ writeKeys: ['good'], allowedOrigins: ['https://shop.example'] });
    try {
      expect((await post(keyed, ekBatch([ekMessage()], new Date(), 'bad'))).status).toBe(401);
      expect((await post(keyed, ekBatch([ekMessage()], new Date(), 'good'))).status).toBe(200);
      const other = await fetch(keyed.url + '/v1/batch', { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await keyed.close();
    }
  });

  it('a flood of 200 concurrent requests of 20 events: every event stored exactly once, the service healthy', async () => {
    const n0 = await count(c);
    const batches = Array.from({ length: 200 }, () => ekBatch(Array.from({ length: 20 }, () => ekMessage())));
    // Each batch twice (an SDK retrying), all at once.
    const answers = await Promise.all([...batches, ...batches].map((b) => post(c, b).then((r) => r.status)));
    expect(answers.every((s) => s == 200)).toBe(true);
    expect(await count(c)).toBe(n0 + 4000);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('two instances on one database receiving the same batches at once store each event once', async () => {
    const second = await start();
    try {
      const n0 = await count(c);
      const batches = Array.from({ length: 20 }, () => ekBatch(Array.from({ length: 10 }, () => ekMessage())));
      const answers = await Promise.all(batches.flatMap((b) => [post(c, b), post(second, b)]).map((p) => p.then((r) => r.json())));
      expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(200);
      expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(200);
      expect(await count(second)).toBe(n0 + 200);
    } finally {
      await second.close();
    }
  });

  it('answers 503 with Retry-After when storage fails, so SDKs keep the events and retry', async () => {
    const doomedDir = mkdtempSync(join(tmpdir(), 'engagekit-doomed-'));
    let db: Awaited<ReturnType<typeof startPostgres>> | undefined;
    if (backend == 'postgres') db = await startPostgres();
    const doomed = await startCollector({ dataDir: doomedDir, databaseUrl: db?.url, log: quiet });
    try {
      expect((await post(doomed, ekBatch([ekMessage()]))).status).toBe(200);
      // PostgreSQL goes away; SQLite's file handle is closed under the collector.
      if (db) await db.stop();
      else await doomed.store.close();
      const r = await post(doomed, ekBatch([ekMessage()]));
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect((await fetch(doomed.url + '/health')).status).toBe(503);
    } finally {
      await doomed.close().catch(() => undefined);
      rmSync(doomedDir, { recursive: true, force: true });
    }
  });

  it('a graceful close finishes the write under way before it resolves', async () => {
    const closing = await start();
    const m = ekMessage();
    const sent = post(closing, ekBatch(Array.from({ length: 50 }, (_, i) => (i ? ekMessage() : m))));
    // Closed while the request is on its way: it is answered and committed, then the store closes.
    await new Promise((r) => setImmediate(r));
    await closing.close();
    const r = await sent.catch(() => undefined);
    if (r) {
      expect(r.status).toBe(200);
      expect(await c.store.all('SELECT message_id FROM events WHERE message_id = ?', [m.messageId])).toHaveLength(1);
    } else {
      // The connection was refused before the request was read: nothing may have been half-stored.
      expect(await c.store.all('SELECT message_id FROM events WHERE message_id = ?', [m.messageId])).toHaveLength(0);
    }
  });

  it('accepts Segment-spec messages from other senders (no engagekit session, ajs messageIds, screen/alias)', async () => {
    const now = new Date().toISOString();
    const r = await post(c, {
      batch: [
        { type: 'track', event: 'Order Completed', messageId: 'ajs-next-1', anonymousId: 'a', timestamp: now, properties: { revenue: 5 }, context: { library: { name: 'analytics.js', version: 'npm:next-1' } } },
        { type: 'alias', previousId: 'a', userId: 'u', messageId: 'ajs-next-2', timestamp: now },
      ],
      sentAt: now,
    });
    expect(await r.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const [row] = await c.store.all('SELECT session_id, event FROM events WHERE message_id = ?', ['ajs-next-1']);
    expect(row).toEqual({ session_id: null, event: 'Order Completed' });
  });
});
