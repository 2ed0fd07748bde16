/**
 * The collector on the open internet, on loopback: what a hostile or broken client can cost it.
 * Cheap refusals (a wrong write key, too many messages) before any message is validated; bounded
 * answers; slow clients cut; connections capped; the report never open by accident on a public
 * address; password guessing throttled and logged with the client's address; bad values (a
 * currency "€", a revenue of 1e300, a date in 2031) that cannot break or poison the report; CSV
 * cells that cannot become formulas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollector, isLoopback } from '../../examples/collector/server.mjs';
import { samePassword } from '../../examples/collector/report/auth.mjs';
import { csvField } from '../../examples/collector/report/csv.mjs';
import { computeMetrics } from '../../examples/collector/report/metrics.mjs';
import { ekBatch, ekMessage } from './support/messages';
import { storedRow } from './support/rows';

type Collector = Awaited<ReturnType<typeof startCollector>>;
type Log = Record<string, unknown>;

let dir: string;
const open: Collector[] = [];
const start = async (o: Parameters<typeof startCollector>[0] = {}) => {
  const c = await startCollector({ dataDir: mkdtempSync(join(dir, 'c-')), log: () => undefined, ...o });
  open.push(c);
  return c;
};
const post = (c: Collector, body: unknown, headers: Record<string, string> = {}) =>
  fetch(c.url + '/v1/batch', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', ...headers },
    body: typeof body == 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
/** A raw TCP connection to the collector; resolves when it is connected. */
const connect = (c: Collector) =>
  new Promise<net.Socket>((resolve, reject) => {
    const { hostname, port } = new URL(c.url);
    const s = net.connect(Number(port), hostname, () => resolve(s));
    s.once('error', reject);
  });
/** Everything the server sent before it closed the connection. */
const untilClosed = (s: net.Socket) =>
  new Promise<string>((resolve) => {
    let got = '';
    s.on('data', (b) => (got += b));
    s.on('error', () => undefined);
    s.once('close', () => resolve(got));
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'engagekit-hardening-'));
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('cheap refusals, bounded answers', () => {
  it('checks the write key before validating any message: a wrong key gets 401 and no list', async () => {
    const c = await start({ writeKeys: ['good'] });
    const bad = Array.from({ length: 1000 }, () => ({ type: 'track' }));
    // A batch context nested too deep is a 400 once looked at: with a wrong key it is never looked at.
    let context: unknown = {};
    for (let i = 0; i < 100; i++) context = { c: context };
    const r = await post(c, { batch: bad, writeKey: 'wrong', context });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: 'unknown write key' });
    expect((await post(c, { batch: bad, writeKey: 'good', context })).status).toBe(400);
  });

  it('refuses a batch of 166,000 empty messages (553 bytes gzipped) with 413 and a short answer', async () => {
    const c = await start();
    const body = gzipSync('{"batch":[' + Array(166_000).fill('{}').join(',') + ']}');
    expect(body.length).toBeLessThan(2000);
    const r = await post(c, body, { 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    const text = await r.text();
    expect(text.length).toBeLessThan(200);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('lists the first 20 rejected messages and counts them all', async () => {
    const c = await start();
    const batch = [ekMessage(), ...Array.from({ length: 999 }, (_, i) => ({ type: 'track', messageId: `bad-${i}` }))];
    const r = await post(c, ekBatch(batch));
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toHaveLength(20);
    expect(body.rejectedCount).toBe(999);
    expect(body.rejected[0]).toMatchObject({ index: 1, messageId: 'bad-0' });
    // Nothing valid: still 400 with the same bounded list.
    const none = await post(c, ekBatch(batch.slice(1)));
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ rejectedCount: 999, rejected: expect.any(Array) });
  });

  it('sends no Access-Control-Allow-Credentials, whatever the origin', async () => {
    const c = await start();
    const r = await post(c, ekBatch([ekMessage()]), { Origin: 'https://any.example' });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://any.example');
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('group commit (SQLite)', () => {
  it('stores concurrent requests in one transaction, and a request that fails fails alone', async () => {
    const c = await start();
    // `ts: null` is a row the database refuses (NOT NULL), which the type does not allow.
    const row = (id: string, ts: number | null) =>
      storedRow({
        message_id: id,
        type: 'track',
        event: 'E',
        anonymous_id: 'a',
        session_id: 's',
        session_index: 1,
        page_count: 1,
        path: '/',
        ts: ts as number,
        received_at: 1,
      });
    const tag = Math.random().toString(36).slice(2);
    // Asked for in the same turn of the event loop: one group. The second breaks NOT NULL.
    const results = await Promise.allSettled([
      c.store.insert([row(`${tag}-1`, 5), row(`${tag}-2`, 6)]),
      c.store.insert([row(`${tag}-3`, null) as never]),
      c.store.insert([row(`${tag}-2`, 6), row(`${tag}-4`, 7)]),
    ]);
    expect(results.map((r) => (r.status == 'fulfilled' ? r.value : 'failed'))).toEqual([2, 'failed', 1]);
    const stored = await c.store.all('SELECT message_id FROM events WHERE message_id LIKE ? ORDER BY message_id', [
      `${tag}-%`,
    ]);
    expect(stored.map((r) => r.message_id)).toEqual([`${tag}-1`, `${tag}-2`, `${tag}-4`]);
  });
});

describe('slow clients and connections', () => {
  it('cuts a client that stops sending its body, and one that never finishes its headers', async () => {
    const c = await start({ bodyIdleMs: 300, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const body = await connect(c);
    const bodyClosed = untilClosed(body);
    body.write(
      'POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 400000\r\n\r\n{"batch":[',
    );
    const headers = await connect(c);
    const headersClosed = untilClosed(headers);
    headers.write('POST /v1/batch HTTP/1.1\r\nHost: x\r\n');
    // Both connections end from the server's side (the test would time out otherwise).
    await bodyClosed;
    expect(await headersClosed).toMatch(/^(HTTP\/1\.1 408|)/);
    expect((await fetch(c.url + '/health')).status).toBe(200);
  });

  it('closes connections over maxConnections at once', async () => {
    const c = await start({ maxConnections: 2 });
    const [a, b] = [await connect(c), await connect(c)];
    const third = await connect(c);
    // The third gets nothing and is closed, while the first two are still open.
    expect(await untilClosed(third)).toBe('');
    expect(a.destroyed || b.destroyed).toBe(false);
    a.destroy();
    b.destroy();
  });
});

describe('the report on a public address', () => {
  it('refuses to start on a non-loopback host without REPORT_PASSWORD, unless the report is off or public', async () => {
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('::') || isLoopback('192.168.1.2')).toBe(false);
    const saved = process.env.REPORT_PASSWORD;
    delete process.env.REPORT_PASSWORD;
    try {
      await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/REPORT_PASSWORD/);
      const off = await start({ host: '0.0.0.0', report: 'off' });
      const url = off.url.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(url + '/api/metrics')).status).toBe(404);
      expect((await fetch(url + '/health')).status).toBe(200);
      const pub = await start({ host: '0.0.0.0', report: 'public' });
      expect((await fetch(pub.url.replace('0.0.0.0', '127.0.0.1') + '/api/metrics')).status).toBe(200);
      const locked = await start({ host: '0.0.0.0', reportPassword: 'pw' });
      expect((await fetch(locked.url.replace('0.0.0.0', '127.0.0.1') + '/api/metrics')).status).toBe(401);
    } finally {
      if (saved !== undefined) process.env.REPORT_PASSWORD = saved;
    }
  });

  it('throttles password guesses per client address, logs them with it, and compares in constant time', async () => {
    const logs: Log[] = [];
    const c = await start({ reportPassword: 's3cret', log: (l) => logs.push(l as Log) });
    const auth = (pw: string) => ({ authorization: 'Basic ' + btoa('me:' + pw) });
    expect((await fetch(c.url + '/api/metrics', { headers: auth('s3cret') })).status).toBe(200);
    for (let i = 0; i < 10; i++)
      expect((await fetch(c.url + '/api/metrics', { headers: auth('guess' + i) })).status).toBe(401);
    // From the tenth failure the address is locked out for the window, the right password included.
    const locked = await fetch(c.url + '/api/metrics', { headers: auth('s3cret') });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const failed = logs.filter((l) => String(l.msg).startsWith('report login failed'));
    expect(failed).toHaveLength(10);
    expect(failed[0]).toMatchObject({ level: 'warn', client: expect.stringMatching(/127\.0\.0\.1/), failures: 1 });
    expect(failed[9]).toMatchObject({ msg: 'report login failed, client throttled', failures: 10 });
    // Ingest is not the report's: never throttled by it.
    expect((await post(c, ekBatch([ekMessage()]))).status).toBe(200);
    // Any lengths: no early return, no throw.
    expect(samePassword(Buffer.from('s3cret'), 's3cret')).toBe(true);
    expect(samePassword(Buffer.from('s3cre'), 's3cret')).toBe(false);
    expect(samePassword(Buffer.from('s3cret-and-more'), 's3cret')).toBe(false);
    expect(samePassword(Buffer.alloc(0), 's3cret')).toBe(false);
  });
});

describe('values that cannot break or poison the report', () => {
  let c: Collector;
  const day = Date.UTC(2024, 4, 10);
  const order = (props: Record<string, unknown>, at: number) =>
    ekMessage({ event: 'Order Completed', properties: props, timestamp: new Date(at).toISOString() });

  beforeAll(async () => {
    c = await start({ report: 'public' });
    // No sentAt: the capture times are taken as sent (an import of past events).
    const batch = [
      order({ order_id: 'o1', revenue: 20, currency: 'EUR' }, day + 1000),
      order({ order_id: 'o2', revenue: 10, currency: '€' }, day + 2000),
      order({ order_id: 'o3', revenue: 1e300, currency: 'EUR' }, day + 3000),
    ];
    const r = await post(c, { batch, writeKey: 'k' });
    expect((await r.json()).accepted).toBe(3);
  });

  it('ignores a currency that is not an ISO 4217 code, and an absurd amount; the report still answers', async () => {
    const range = { from: day, to: day + 86_400_000 };
    for (const source of ['raw', 'rollup'] as const) {
      const { summary } = await computeMetrics(c.store, range, { source });
      expect(summary, source).toMatchObject({ orders: 3, revenue: 30, currency: 'EUR', averageOrderValue: 15 });
    }
    const res = await fetch(`${c.url}/api/metrics?from=2024-05-10&to=2024-05-10`);
    expect(res.status).toBe(200);
    expect((await res.json()).summary.currency).toBe('EUR');
  });

  it('stores a capture time in the future as the receive time, and counts it in the log', async () => {
    const logs: Log[] = [];
    const logged = await start({ log: (l) => logs.push(l as Log) });
    const m = ekMessage({ timestamp: '2031-01-01T00:00:00.000Z' });
    const before = Date.now();
    const r = await post(logged, { batch: [m], writeKey: 'k' });
    expect(r.status).toBe(200);
    const [row] = await logged.store.all('SELECT ts FROM events WHERE message_id = ?', [m.messageId]);
    expect(row.ts).toBeGreaterThanOrEqual(before);
    expect(row.ts).toBeLessThanOrEqual(Date.now());
    expect(logs).toContainEqual(expect.objectContaining({ status: 200, clampedTimes: 1 }));
  });

  it('defuses CSV cells that start a formula after white space or with full-width signs', () => {
    for (const cell of [' =1+1', '\u00a0=1+1', '\t=1', '＝1+1', '＋1', '－1', '＠SUM(A1)', '  @x', '\u3000+1'])
      expect(csvField(cell).replace(/^"/, ''), JSON.stringify(cell)).toMatch(/^'/);
    expect(csvField('plain')).toBe('plain');
    expect(csvField(-3)).toBe('-3');
  });
});
