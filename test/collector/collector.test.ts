/**
 * The reference collector against real databases: SQLite (a file in a temp dir) and PostgreSQL (a
 * server these tests start). The same suite runs on both: formats and encodings, per-message
 * validation, deduplication by messageId (also across two instances), clock-skew correction, bad
 * input of every kind (malformed JSON, wrong types, huge bodies, gzip bombs, unknown write keys),
 * a flood of concurrent requests, storage failures (503, so SDKs retry) and a graceful close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { startCollector } from '../../examples/collector/server.mjs';
import { startPostgres } from './support/postgres';
import { ekBatch, ekMessage } from './support/messages';

type Collector = Awaited<ReturnType<typeof startCollector>>;
const quiet = () => undefined;

const post = (
  c: Collector,
  body: unknown,
  {
    path = '/v1/batch',
    headers = {} as Record<string, string>,
    raw,
  }: { path?: string; headers?: Record<string, string>; raw?: Buffer | string } = {},
) =>
  fetch(c.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', ...headers },
    body: raw ?? JSON.stringify(body),
  });
/** POST without Content-Length (chunked), as a client streaming its body does; resolves to the status. */
const chunked = (c: Collector, chunks: Buffer[]) =>
  new Promise<number>((resolve, reject) => {
    let status = 0;
    const req = http.request(
      c.url + '/v1/batch',
      { method: 'POST', headers: { 'Content-Type': 'text/plain' } },
      (res) => {
        status = res.statusCode!;
        res.resume();
        resolve(status);
      },
    );
    // The collector answers and closes before the body is all sent: writes after that fail.
    req.on('error', (e) => (status ? resolve(status) : reject(e)));
    for (const ch of chunks) req.write(ch);
    req.end();
  });
const count = async (c: Collector) => Number((await c.store.all('SELECT COUNT(*) AS n FROM events'))[0].n);

const backends: ['sqlite' | 'postgres'][] = [['sqlite'], ['postgres']];

describe.each(backends)('collector on %s', (backend) => {
  let dir: string;
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let databaseUrl: string | undefined;
  let c: Collector;
  const start = (o: Parameters<typeof startCollector>[0] = {}) =>
    startCollector({ dataDir: dir, databaseUrl, log: quiet, ...o });

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
    const ctx = m.context as { session: { id: string } };
    expect(row).toMatchObject({
      write_key: 'test-key',
      type: 'track',
      event: 'Signup',
      anonymous_id: 'anon-1',
      user_id: 'u-1',
      session_id: ctx.session.id,
      session_index: 1,
      page_count: 1,
      path: '/p',
      url: 'https://shop.example/p',
    });
    expect(JSON.parse(row.properties)).toEqual({ plan: 'pro' });
    expect(JSON.parse(row.context).library.name).toBe('engagekit');
    expect(row.ts).toBeGreaterThanOrEqual(before - 2000 - 50);
    expect(row.ts).toBeLessThanOrEqual(Date.now() - 2000 + 50);
  });

  it('takes text/plain, application/json, gzip and the single-message routes with Basic auth', async () => {
    const [a, b, g, s] = [
      ekMessage(),
      ekMessage(),
      ekMessage(),
      ekMessage({ type: 'page', name: 'Home', event: undefined }),
    ];
    expect((await post(c, ekBatch([a]))).status).toBe(200);
    expect((await post(c, ekBatch([b]), { headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    expect(
      (await post(c, null, { raw: gzipSync(JSON.stringify(ekBatch([g]))), headers: { 'Content-Encoding': 'gzip' } }))
        .status,
    ).toBe(200);
    const single = await post(
      c,
      { ...s, sentAt: new Date().toISOString() },
      {
        path: '/v1/page',
        headers: {
          Authorization: 'Basic ' + Buffer.from('test-key:').toString('base64'),
          'Content-Type': 'application/json',
        },
      },
    );
    expect(single.status).toBe(200);
    const rows = await c.store.all(
      `SELECT message_id, type, write_key FROM events WHERE message_id IN (?, ?, ?, ?) ORDER BY type`,
      [a.messageId, b.messageId, g.messageId, s.messageId],
    );
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
    for (const raw of [
      '{"batch": [',
      '[]',
      '"text"',
      '{"batch": {}}',
      '{"batch": []}',
      JSON.stringify(ekBatch([ekMessage({ anonymousId: 7 })])),
    ]) {
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
    const pre = await fetch(c.url + '/v1/batch', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://shop.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-encoding',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Content-Encoding/i);
    const keyed = await start({ writeKeys: ['good'], allowedOrigins: ['https://shop.example'] });
    try {
      expect((await post(keyed, ekBatch([ekMessage()], new Date(), 'bad'))).status).toBe(401);
      expect((await post(keyed, ekBatch([ekMessage()], new Date(), 'good'))).status).toBe(200);
      const other = await fetch(keyed.url + '/v1/batch', {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      // A text/plain POST needs no preflight: a page of another site is refused all the same.
      const m = ekMessage();
      const foreign = await post(keyed, ekBatch([m], new Date(), 'good'), {
        headers: { Origin: 'https://evil.example' },
      });
      expect(foreign.status).toBe(403);
      expect(await keyed.store.all('SELECT 1 FROM events WHERE message_id = ?', [m.messageId])).toHaveLength(0);
      const allowed = await post(keyed, ekBatch([ekMessage()], new Date(), 'good'), {
        headers: { Origin: 'https://shop.example' },
      });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(allowed.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
      // Segment's SDKs send the key as the Basic auth user name, and no key in the body.
      const basic = (key: string) => ({ Authorization: 'Basic ' + Buffer.from(key + ':').toString('base64') });
      const keyless = ekBatch([ekMessage()]);
      delete keyless.writeKey;
      expect((await post(keyed, keyless, { headers: basic('good') })).status).toBe(200);
      expect((await post(keyed, keyless, { headers: basic('bad') })).status).toBe(401);
      expect((await post(keyed, keyless)).status).toBe(401);
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
      const answers = await Promise.all(
        batches.flatMap((b) => [post(c, b), post(second, b)]).map((p) => p.then((r) => r.json())),
      );
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

  it('a graceful close stops accepting, finishes the write under way, then closes the store', async () => {
    const closing = await start();
    // Hold the request inside its write, so close() certainly starts while it is under way.
    const insert = closing.store.insert;
    let entered!: () => void;
    let release!: () => void;
    const inInsert = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    closing.store.insert = async (rows) => {
      entered();
      await gate;
      return insert(rows);
    };
    const m = ekMessage();
    const sent = post(closing, ekBatch([m, ...Array.from({ length: 49 }, () => ekMessage())]));
    await inInsert;
    let closed = false;
    const closed$ = closing.close().then(() => (closed = true));
    // No new connections once closing…
    await expect(fetch(closing.url + '/health')).rejects.toThrow();
    expect(closed).toBe(false);
    // …but the write under way is committed and answered before close() resolves.
    release();
    const r = await sent;
    expect(r.status).toBe(200);
    expect((await r.json()).accepted).toBe(50);
    await closed$;
    expect(await c.store.all('SELECT message_id FROM events WHERE message_id = ?', [m.messageId])).toHaveLength(1);
  });

  it('a graceful close does not wait for ever on a client trickling its body', async () => {
    const closing = await start({ shutdownGraceMs: 200 });
    const m = ekMessage();
    const body = JSON.stringify(ekBatch([m]));
    // Expect: 100-continue makes the server say when it has the request (its handler is running).
    const req = http.request(closing.url + '/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'Content-Length': String(body.length), Expect: '100-continue' },
    });
    const ended = new Promise((r) => req.on('error', r).on('response', r));
    req.flushHeaders();
    await once(req, 'continue');
    req.write(body.slice(0, 10));
    const t0 = Date.now();
    await closing.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(await ended).toBeInstanceOf(Error); // cut, not answered
    expect(await c.store.all('SELECT message_id FROM events WHERE message_id = ?', [m.messageId])).toHaveLength(0);
  });

  it('accepts Segment-spec messages from other senders (no engagekit session, ajs messageIds, screen/alias)', async () => {
    const now = new Date().toISOString();
    const r = await post(c, {
      batch: [
        {
          type: 'track',
          event: 'Order Completed',
          messageId: 'ajs-next-1',
          anonymousId: 'a',
          timestamp: now,
          properties: { revenue: 5 },
          context: { library: { name: 'analytics.js', version: 'npm:next-1' } },
        },
        { type: 'alias', previousId: 'a', userId: 'u', messageId: 'ajs-next-2', timestamp: now },
      ],
      sentAt: now,
    });
    expect(await r.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const [row] = await c.store.all('SELECT session_id, event FROM events WHERE message_id = ?', ['ajs-next-1']);
    expect(row).toEqual({ session_id: null, event: 'Order Completed' });
    // A Segment-spec message needs an anonymousId or a userId that is not empty, as Segment's API does.
    const none = await post(c, {
      batch: [{ type: 'track', event: 'x', messageId: 'ajs-next-3', anonymousId: null, userId: '' }],
    });
    expect(none.status).toBe(400);
  });

  it("takes RudderStack's shape: originalTimestamp as the capture time, skew-corrected, write key by Basic auth", async () => {
    // The client clock is 10 minutes slow; the event was captured 3 s before the send.
    const clientNow = Date.now() - 600_000;
    const id = 'rudder-' + Math.random().toString(36).slice(2);
    const before = Date.now();
    const r = await post(
      c,
      {
        batch: [
          {
            type: 'track',
            event: 'Product Viewed',
            messageId: id,
            anonymousId: 'r-anon',
            channel: 'web',
            rudderId: 'x',
            originalTimestamp: new Date(clientNow - 3000).toISOString(),
            properties: { sku: 'A' },
            context: {
              library: { name: 'RudderLabs JavaScript SDK', version: '3.0.0' },
              page: { path: '/a', url: 'https://shop.example/a', referrer: '' },
            },
          },
        ],
        sentAt: new Date(clientNow).toISOString(),
      },
      {
        headers: {
          Authorization: 'Basic ' + Buffer.from('rudder-key:').toString('base64'),
          'Content-Type': 'application/json',
        },
      },
    );
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [row] = await c.store.all('SELECT write_key, path, ts FROM events WHERE message_id = ?', [id]);
    expect(row).toMatchObject({ write_key: 'rudder-key', path: '/a' });
    expect(row.ts).toBeGreaterThanOrEqual(before - 3000 - 50);
    expect(row.ts).toBeLessThanOrEqual(Date.now() - 3000 + 50);
  });

  it('stores a batch of 1,000 small messages in one transaction, and refuses one of 1,001 before reading them', async () => {
    const tag = Math.random().toString(36).slice(2);
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      type: 'alias',
      messageId: `tiny-${tag}-${i}`,
      userId: 'u',
      previousId: 'a',
    }));
    const raw = JSON.stringify({ batch });
    const r = await post(c, null, { raw });
    expect(r.status).toBe(200);
    expect((await r.json()).accepted).toBe(1000);
    expect(
      (await c.store.all('SELECT COUNT(*) AS n FROM events WHERE message_id LIKE ?', [`tiny-${tag}-%`]))[0].n,
    ).toBe(1000);
    // 413, as for a body too large: engagekit halves the batch and sends both halves.
    const over = await post(c, { batch: [...batch.map((m) => ({ ...m, messageId: m.messageId + 'x' })), batch[0]] });
    expect(over.status).toBe(413);
    expect((await over.json()).error).toMatch(/1001 messages is over 1000/);
    expect(
      (await c.store.all('SELECT COUNT(*) AS n FROM events WHERE message_id LIKE ?', [`tiny-${tag}-%x`]))[0].n,
    ).toBe(0);
  });

  it('stores text PostgreSQL refuses (NUL, lone surrogates) as U+FFFD, the same on both backends', async () => {
    const m = ekMessage({ event: 'a\u0000b', properties: { 'k\u0000': 'v\ud800w', ok: 'é' } });
    const r = await post(c, ekBatch([m]));
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [row] = await c.store.all('SELECT event, properties FROM events WHERE message_id = ?', [m.messageId]);
    expect(row.event).toBe('a\uFFFDb');
    expect(JSON.parse(row.properties)).toEqual({ 'k\uFFFD': 'v\uFFFDw', ok: 'é' });
    // The report reads properties as jsonb on PostgreSQL: that must still work with this row there.
    if (backend == 'postgres')
      expect(await c.store.all("SELECT COUNT(*) AS n FROM events WHERE properties::jsonb->>'ok' = ?", ['é'])).toEqual([
        { n: 1 },
      ]);
  });

  it('refuses single messages over 32 KB or nested too deep, and keeps the rest of their batch', async () => {
    const good = ekMessage();
    const big = ekMessage({ properties: { pad: 'x'.repeat(33_000) } });
    // JSON.parse takes this; JSON.stringify would overflow the stack on it.
    const deepRaw =
      '{"type":"track","event":"deep","messageId":"deep-1","anonymousId":"a","properties":{"p":' +
      '['.repeat(100_000) +
      ']'.repeat(100_000) +
      '}}';
    const raw = `{"batch":[${JSON.stringify(good)},${JSON.stringify(big)},${deepRaw}],"sentAt":"${new Date().toISOString()}"}`;
    const r = await post(c, null, { raw });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((x: { index: number; reason: string }) => [x.index, x.reason])).toEqual([
      [1, expect.stringMatching(/over 32768/)],
      [2, expect.stringMatching(/nested deeper/)],
    ]);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('answers 413 to a streamed body over 500 KB without Content-Length, 415 to unknown encodings, 405 to GET', async () => {
    const chunk = Buffer.alloc(10_000, 0x20);
    expect(await chunked(c, [Buffer.from('{"batch":['), ...Array.from({ length: 70 }, () => chunk)])).toBe(413);
    expect((await post(c, ekBatch([ekMessage()]), { headers: { 'Content-Encoding': 'br' } })).status).toBe(415);
    expect((await fetch(c.url + '/v1/batch')).status).toBe(405);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('logs one JSON line per request, with the counts and the reason of a refusal', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = await start({ log: (o) => lines.push(o) });
    try {
      const m = ekMessage();
      await post(logged, { ...ekBatch([m, m, ekMessage({ event: 7 })]), context: { droppedEvents: 3 } });
      await post(logged, null, { raw: '{' });
    } finally {
      await logged.close();
    }
    const requests = lines.filter((l) => l.path);
    expect(requests).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'POST',
        path: '/v1/batch',
        status: 200,
        ms: expect.any(Number),
        accepted: 1,
        duplicates: 1,
        rejected: 1,
        droppedEvents: 3,
      }),
      expect.objectContaining({
        method: 'POST',
        path: '/v1/batch',
        status: 400,
        error: expect.stringMatching(/not JSON/),
      }),
    ]);
  });

  it('runs as a command: flags and environment, a log line when listening, a graceful exit on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'engagekit-cli-'));
    const env = { ...process.env, PORT: '0', DATABASE_URL: databaseUrl ?? '', WRITE_KEYS: 'cli-key,other' };
    const child = spawn(
      process.execPath,
      [new URL('../../examples/collector/server.mjs', import.meta.url).pathname, '--data-dir', dataDir],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      /** One JSON log line of the collector. */
      type LogLine = Record<string, unknown>;
      const logged: LogLine[] = [];
      let wake = () => undefined as void;
      let ended = false;
      createInterface({ input: child.stdout! })
        .on('line', (text) => {
          logged.push(JSON.parse(text));
          wake();
        })
        .on('close', () => {
          ended = true;
          wake();
        });
      /** The first log line that matches, waiting for more lines until the process's output ends. */
      const next = async (pred: (l: LogLine) => boolean) => {
        for (;;) {
          const l = logged.find(pred);
          if (l) return l;
          if (ended) throw new Error('the collector exited: ' + JSON.stringify(logged));
          await new Promise<void>((r) => (wake = r));
        }
      };
      const { url, storage } = await next((l) => l.msg == 'listening');
      expect(storage).toBe(backend);
      const cli = { url } as Collector;
      expect((await post(cli, ekBatch([ekMessage()], new Date(), 'nope'))).status).toBe(401);
      expect((await post(cli, ekBatch([ekMessage()], new Date(), 'cli-key'))).status).toBe(200);
      expect(await next((l) => l.status == 200)).toMatchObject({
        time: expect.any(String),
        method: 'POST',
        path: '/v1/batch',
        accepted: 1,
      });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(await next((l) => l.msg == 'closed')).toBeTruthy();
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
