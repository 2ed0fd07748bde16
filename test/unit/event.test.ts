import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_EVENT_BYTES, asObject, buildMessage, serialiser } from '../../src/event';
import type { Message } from '../../src/types';
import { hostileJson } from '../browser/support/hostileJson';

// Both steps at once: copy, then serialise.
const serialise = (message: Message, plain?: boolean) => serialiser(message, plain)();

const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
afterEach(() => warn.mockClear());
const said = () => warn.mock.calls.map((c) => String(c[0])).join('\n');

const context = {
  page: { url: 'https://s/', path: '/', referrer: '', title: 't', search: '' },
  library: { name: 'engagekit' as const, version: '0.1.0' },
  locale: 'en',
  session: { id: 's', index: 1, pageCount: 1, startedAt: '2026-01-01T00:00:00.000Z' },
};
const track = (properties: Record<string, unknown>): Message =>
  buildMessage({ type: 'track', event: 'E', properties }, 0, 'id-1', 'anon', undefined, context);
const out = (m: Message) => JSON.parse(serialise(m)![0]);

describe('buildMessage', () => {
  it('makes a Segment message with capture time, ids and context', () => {
    const m = buildMessage(
      { type: 'track', event: 'E', properties: { a: 1 } },
      Date.UTC(2026, 0, 2),
      'mid',
      'anon',
      'u1',
      context,
    );
    expect(m).toEqual({
      type: 'track',
      event: 'E',
      properties: { a: 1 },
      messageId: 'mid',
      timestamp: '2026-01-02T00:00:00.000Z',
      anonymousId: 'anon',
      userId: 'u1',
      context,
    });
    expect(buildMessage({ type: 'page' }, 0, 'm', 'a', undefined, context)).not.toHaveProperty('userId');
  });
});

describe('serialise', () => {
  it('drops what JSON cannot hold, each with a warning naming it, and keeps the rest', () => {
    const cyc: Record<string, unknown> = { keep: 1 };
    cyc.self = cyc;
    const deep: Record<string, unknown> = { inner: {} };
    (deep.inner as Record<string, unknown>).back = deep;
    const p = out(
      track({
        n: 1,
        s: 'x',
        b: true,
        nil: null,
        big: BigInt(2),
        fn: () => 1,
        sym: Symbol('s'),
        node: document.createElement('div'),
        win: window,
        cyc,
        deep,
        arr: [1, () => 1, 'a'],
        date: new Date(0),
        nan: NaN,
      }),
    );
    expect(p.properties).toEqual({
      n: 1,
      s: 'x',
      b: true,
      nil: null,
      cyc: { keep: 1 },
      deep: { inner: {} },
      arr: [1, null, 'a'],
      date: '1970-01-01T00:00:00.000Z',
      nan: null,
    });
    for (const w of [
      'big dropped: it is a bigint',
      'fn dropped: it is a function',
      'sym dropped: it is a symbol',
      'node dropped: it is a DOM node',
      'win dropped: it is a DOM node',
      'self dropped: it is a cycle',
      'back dropped: it is a cycle',
    ])
      expect(said()).toContain(w);
  });

  it('writes the same JSON without the checking replacer when the properties are all plain values, and still checks the rest', () => {
    const flat = { n: 1.5, s: 'x', b: false, nil: null, gone: undefined, nan: NaN };
    expect(serialise(track(flat), true)).toEqual(serialise(track(flat)));
    const ring: Record<string, unknown> = {};
    ring.loop = ring;
    // (Each warning is given once per page: these names are not used by the other tests.)
    expect(JSON.parse(serialise(track({ ok: 1, ring, count: BigInt(1), fn: () => 1 }), true)![0]).properties).toEqual({
      ok: 1,
      ring: {},
    });
    expect(said()).toContain('loop dropped: it is a cycle');
    expect(said()).toContain('count dropped: it is a bigint');
  });

  it('keeps an object seen twice that is not its own ancestor', () => {
    const shared = { sku: 'A' };
    expect(out(track({ a: shared, b: shared, list: [shared, shared] })).properties).toEqual({
      a: shared,
      b: shared,
      list: [shared, shared],
    });
    expect(said()).toBe('');
  });

  it('cuts a cycle back to the caller object itself', () => {
    const p: Record<string, unknown> = { keep: 1 };
    p.self = p;
    expect(out(track(p)).properties).toEqual({ keep: 1 });
  });

  it('never changes the caller object', () => {
    const p = { small: 1, huge: 'x'.repeat(MAX_EVENT_BYTES) };
    serialise(track(p));
    expect(Object.keys(p)).toEqual(['small', 'huge']);
  });

  it('trims an oversized event largest property first, naming each', () => {
    const [json, n] = serialise(track({ small: 'kept', big: 'b'.repeat(20_000), bigger: 'c'.repeat(30_000) }))!;
    expect(JSON.parse(json).properties).toEqual({ small: 'kept', big: 'b'.repeat(20_000) });
    expect(n).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(said()).toContain('bigger dropped');
    expect(said()).not.toContain('big dropped');
  });

  it('drops as many of the largest properties as it takes, and no more', () => {
    const [json] = serialise(
      track({ a: 'a'.repeat(17_000), b: 'b'.repeat(18_000), c: 'c'.repeat(19_000), d: 'small' }),
    )!;
    expect(Object.keys(JSON.parse(json).properties)).toEqual(['a', 'd']);
    expect(said()).toContain('c dropped: the event would be over 32768 bytes');
    expect(said()).toContain('b dropped: the event would be over 32768 bytes');
  });

  it('measures the largest property in bytes: multi-byte text is dropped before longer ASCII', () => {
    // 12 000 euro signs are 36 000 bytes; 20 000 ASCII letters are 20 000: only the euros must go.
    const [json, n] = serialise(track({ euros: '€'.repeat(12_000), ascii: 'a'.repeat(20_000) }))!;
    expect(Object.keys(JSON.parse(json).properties)).toEqual(['ascii']);
    expect(n).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });

  it('uses toJSON and keeps what it returns, dropping only what JSON cannot hold within it', () => {
    const money = { toJSON: () => ({ amount: 5, currency: 'EUR', fmt: () => '' }) };
    const sym = Symbol('hidden');
    expect(
      out(track({ money, [sym]: 1, when: new Date(Date.UTC(2026, 0, 1)), set: new Set([1]), re: /x/ })).properties,
    ).toEqual({
      money: { amount: 5, currency: 'EUR' },
      when: '2026-01-01T00:00:00.000Z',
      set: {},
      re: {},
    });
    expect(said()).toContain('fmt dropped: it is a function');
  });

  it("writes arrays as arrays on a page with Prototype.js's Array.prototype.toJSON (not as their JSON text)", () => {
    const properties = { products: [{ product_id: 'p1', tags: ['a', 'b'] }], n: [1, [2]] };
    const undo = hostileJson('json');
    let json: string;
    try {
      json = serialise(track(properties))![0];
    } finally {
      undo();
    }
    expect(JSON.parse(json).properties).toEqual(properties);
  });

  it('cuts a cycle through an array, keeping its other items', () => {
    const list: unknown[] = [1];
    list.push({ list }, 'end');
    expect(out(track({ list })).properties).toEqual({ list: [1, {}, 'end'] });
    expect(said()).toContain('list dropped: it is a cycle');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const [json, n] = serialise(track({ s: 'é€😀' }))!;
    expect(n).toBe(new TextEncoder().encode(json).length);
    expect(n).toBe(json.length + 1 + 2 + 2);
  });

  it('refuses a message too large even without properties', () => {
    const m = track({});
    m.context = { ...context, page: { ...context.page, title: 't'.repeat(40_000) } };
    expect(serialise(m)).toBeUndefined();
    expect(said()).toMatch(/a track of \d+ bytes is over 32768: refused/);
  });

  it('loses only the properties when a getter or toJSON throws', () => {
    const p = {
      ok: 1,
      get bad() {
        throw new Error('boom');
      },
    };
    const m = buildMessage(
      {
        type: 'track',
        event: 'E',
        properties: {
          nested: {
            toJSON: () => {
              throw new Error('no');
            },
          },
        },
      },
      0,
      'i',
      'a',
      undefined,
      context,
    );
    expect(JSON.parse(serialise(m)![0]).properties).toEqual({});
    expect(said()).toMatch(/properties dropped: Error: no/);
    const kept = JSON.parse(serialise(track(p))![0]);
    expect(kept.event).toBe('E');
    expect(kept.properties).toEqual({});
    expect(said()).toMatch(/properties dropped: Error: boom/);
  });

  it('serialises traits of identify the same way', () => {
    const m = buildMessage({ type: 'identify', traits: { plan: 'pro', f: () => 1 } }, 0, 'i', 'a', 'u', context);
    expect(JSON.parse(serialise(m)![0]).traits).toEqual({ plan: 'pro' });
  });
});

describe('asObject', () => {
  it('accepts plain objects and nothing, refuses the rest with a warning', () => {
    expect(asObject({ a: 1 }, 'properties')).toEqual({ a: 1 });
    expect(asObject(undefined, 'properties')).toBeUndefined();
    expect(asObject('x', 'properties')).toBeUndefined();
    expect(asObject([1], 'traits')).toBeUndefined();
    expect(said()).toContain('properties dropped: not an object');
    expect(said()).toContain('traits dropped: not an object');
  });
});
