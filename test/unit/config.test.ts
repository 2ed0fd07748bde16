import { afterEach, describe, expect, it, vi } from 'vitest';
import { configFromAttributes, parseConfig } from '../../src/config';

const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
afterEach(() => warn.mockClear());
const said = () => warn.mock.calls.map((c) => String(c[0]));

describe('parseConfig', () => {
  it('fills every default', () => {
    const s = parseConfig({ endpoint: 'https://c.example/v1/batch' });
    expect(s).toMatchObject({
      endpoint: 'https://c.example/v1/batch',
      writeKey: '',
      batchSize: 20,
      maxBatchBytes: 500_000,
      flushInterval: 5000,
      maxQueueSize: 1000,
      maxAge: 7 * 86_400_000,
      compress: true,
      debug: false,
      dbName: 'engagekit',
    });
    expect(said()).toEqual([]);
  });

  it('resolves a relative endpoint against the page, and refuses empty, non-http and non-string ones', () => {
    expect(parseConfig({ endpoint: '/v1/batch' }).endpoint).toBe(new URL('/v1/batch', location.href).href);
    for (const endpoint of ['', 'ftp://x/y', 'javascript:alert(1)', 42, undefined]) expect(parseConfig({ endpoint }).endpoint).toBe('');
    expect(said().some((w) => /endpoint missing: nothing will be recorded/.test(w))).toBe(true);
    expect(said().some((w) => /ftp:\/\/x\/y is not an http\(s\) URL/.test(w))).toBe(true);
  });

  it('keeps valid values and replaces each wrong one by its default with one warning naming it', () => {
    const s = parseConfig({
      endpoint: 'https://c.example/b',
      batchSize: 5,
      flushInterval: 0,
      maxQueueSize: 'lots',
      maxAge: -1,
      maxBatchBytes: 9e9,
      writeKey: 7,
      beforeSend: 'nope',
      dbName: 'site-a',
    });
    expect(s.batchSize).toBe(5);
    expect(s.flushInterval).toBe(0);
    expect(s.maxQueueSize).toBe(1000);
    expect(s.maxAge).toBe(7 * 86_400_000);
    expect(s.maxBatchBytes).toBe(500_000);
    expect(s.writeKey).toBe('');
    expect(s.beforeSend).toBeUndefined();
    expect(s.dbName).toBe('site-a');
    expect(said()).toEqual([
      'engagekit: maxQueueSize must be a positive number: using the default',
      'engagekit: maxAge must be a positive number: using the default',
      'engagekit: writeKey must be a string: using the default',
      'engagekit: beforeSend must be a function: using the default',
    ]);
  });

  it('survives input that is not an object', () => {
    for (const x of [null, 3, 'str', [], () => 1]) expect(parseConfig(x).endpoint).toBe('');
  });
});

describe('configFromAttributes', () => {
  it('converts numbers and booleans but leaves the endpoint and write key as written', () => {
    expect(configFromAttributes({ endpoint: 'https://c/b', writeKey: '123', batchSize: '10', flushInterval: '0', debug: '', compress: 'false', pageView: 'true', dbName: 'x' })).toEqual({
      endpoint: 'https://c/b',
      writeKey: '123',
      batchSize: 10,
      flushInterval: 0,
      debug: true,
      compress: false,
      pageView: true,
      dbName: 'x',
    });
  });
});
