import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

let warn: MockInstance<typeof console.warn>;
const said = () => warn.mock.calls.map((c) => String(c[0]));

// Warnings are said once per page: every test gets fresh modules, so its own warnings are all seen.
let parseConfig: typeof import('../../src/config').parseConfig;
let configFromAttributes: typeof import('../../src/config').configFromAttributes;
beforeEach(async () => {
  vi.resetModules();
  ({ parseConfig, configFromAttributes } = await import('../../src/config'));
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

const endpoint = 'https://c.example/v1/batch';
const DEFAULTS = {
  batchSize: 20,
  maxBatchBytes: 500_000,
  flushInterval: 5000,
  maxQueueSize: 1000,
  maxAge: 7 * 86_400_000,
  sessionTimeout: 30 * 60_000,
};

describe('parseConfig', () => {
  it('fills every default', () => {
    const s = parseConfig({ endpoint });
    expect(s).toEqual({
      ...DEFAULTS,
      endpoint,
      writeKey: '',
      compress: true,
      debug: false,
      dbName: 'engagekit',
      respectDnt: false,
      keepParams: [],
      consent: 'granted',
    });
    expect(said()).toEqual([]);
  });

  it('keeps every valid value as given', () => {
    const beforeSend = () => null;
    const onError = () => undefined;
    const s = parseConfig({
      endpoint,
      writeKey: 'wk',
      batchSize: 5,
      maxBatchBytes: 1000,
      flushInterval: 0,
      maxQueueSize: 10,
      maxAge: 60_000,
      sessionTimeout: 1,
      compress: false,
      debug: true,
      dbName: 'site-a',
      beforeSend,
      onError,
    });
    expect(s).toMatchObject({
      writeKey: 'wk',
      batchSize: 5,
      maxBatchBytes: 1000,
      flushInterval: 0,
      maxQueueSize: 10,
      maxAge: 60_000,
      sessionTimeout: 1,
      compress: false,
      debug: true,
      dbName: 'site-a',
    });
    expect(s.beforeSend).toBe(beforeSend);
    expect(s.onError).toBe(onError);
    expect(said()).toEqual([]);
  });

  it.each(Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[])(
    '%s: each wrong value gets one warning naming it, and the default',
    async (k) => {
      const bad: unknown[] = ['10', NaN, Infinity, -Infinity, -1, 1e12, true, {}, [5]];
      if (k !== 'flushInterval') bad.push(0, 0.5);
      for (const v of bad) {
        // A fresh page for each value: a second identical warning is (rightly) kept quiet.
        vi.resetModules();
        const fresh = (await import('../../src/config')).parseConfig;
        warn.mockClear();
        expect(fresh({ endpoint, [k]: v })[k], `${k}: ${String(v)}`).toBe(DEFAULTS[k]);
        expect(said(), `${k}: ${String(v)}`).toEqual([`engagekit: ${k} must be a positive number: using the default`]);
      }
      warn.mockClear();
      for (const v of bad) parseConfig({ endpoint, [k]: v });
      expect(said()).toHaveLength(1);
    },
  );

  it('accepts 0 for flushInterval only', () => {
    expect(parseConfig({ endpoint, flushInterval: 0, batchSize: 0 })).toMatchObject({
      flushInterval: 0,
      batchSize: 20,
    });
    expect(said()).toEqual(['engagekit: batchSize must be a positive number: using the default']);
  });

  it('warns about wrong strings, functions and booleans, one warning each, and uses the defaults', () => {
    const s = parseConfig({
      endpoint,
      writeKey: 7,
      dbName: {},
      beforeSend: 'drop',
      onError: true,
      compress: 'false',
      debug: 'yes',
    });
    expect(s).toMatchObject({ writeKey: '', dbName: 'engagekit', compress: true, debug: false });
    expect(s.beforeSend).toBeUndefined();
    expect(s.onError).toBeUndefined();
    expect(said()).toEqual([
      'engagekit: writeKey must be a string: using the default',
      'engagekit: dbName must be a string: using the default',
      'engagekit: beforeSend must be a function: using the default',
      'engagekit: onError must be a function: using the default',
      'engagekit: compress must be a boolean: using the default',
      'engagekit: debug must be a boolean: using the default',
    ]);
  });

  it('ignores null, undefined and options it does not know, silently', () => {
    expect(
      parseConfig({
        endpoint,
        batchSize: null,
        writeKey: undefined,
        beforeSend: null,
        pageView: false,
        somethingElse: 'x',
      }),
    ).toMatchObject({ batchSize: 20, writeKey: '' });
    expect(said()).toEqual([]);
  });

  it('caps maxBatchBytes at 500 000 without a warning', () => {
    expect(parseConfig({ endpoint, maxBatchBytes: 600_000 }).maxBatchBytes).toBe(500_000);
    expect(parseConfig({ endpoint, maxBatchBytes: 500_000 }).maxBatchBytes).toBe(500_000);
    expect(parseConfig({ endpoint, maxBatchBytes: 499_999 }).maxBatchBytes).toBe(499_999);
    expect(said()).toEqual([]);
  });

  it('resolves a relative endpoint against the page and normalises an absolute one', () => {
    expect(parseConfig({ endpoint: '/v1/batch' }).endpoint).toBe(new URL('/v1/batch', location.href).href);
    expect(parseConfig({ endpoint: 'HTTPS://C.Example:443/v1/batch' }).endpoint).toBe('https://c.example/v1/batch');
    expect(parseConfig({ endpoint: 'http://localhost:8080/b' }).endpoint).toBe('http://localhost:8080/b');
    expect(said()).toEqual([]);
  });

  it.each([
    [undefined, 'engagekit: endpoint missing: nothing will be recorded'],
    ['', 'engagekit: endpoint missing: nothing will be recorded'],
    ['ftp://x/y', 'engagekit: endpoint ftp://x/y is not an http(s) URL: nothing will be recorded'],
    ['javascript:alert(1)', 'engagekit: endpoint javascript:alert(1) is not an http(s) URL: nothing will be recorded'],
    ['http://', 'engagekit: endpoint http:// is not an http(s) URL: nothing will be recorded'],
    [42, 'engagekit: endpoint 42 is not an http(s) URL: nothing will be recorded'],
  ])('refuses the endpoint %j with one warning', (e, warning) => {
    expect(parseConfig({ endpoint: e }).endpoint).toBe('');
    expect(parseConfig({ endpoint: e, batchSize: 3 }).endpoint).toBe('');
    expect(said()).toEqual([warning]);
  });

  it('survives input that is not an object', () => {
    for (const x of [undefined, null, 3, 'str', [], () => 1])
      expect(parseConfig(x)).toMatchObject({ endpoint: '', ...DEFAULTS });
    expect(said()).toEqual(['engagekit: endpoint missing: nothing will be recorded']);
  });
});

describe('configFromAttributes', () => {
  it('converts numbers and booleans but leaves the endpoint and write key as written', () => {
    expect(
      configFromAttributes({
        endpoint: 'https://c/b',
        writeKey: '123',
        batchSize: '10',
        flushInterval: '0',
        maxAge: '1.5',
        debug: '',
        compress: 'false',
        pageView: 'true',
        dbName: 'x',
      }),
    ).toEqual({
      endpoint: 'https://c/b',
      writeKey: '123',
      batchSize: 10,
      flushInterval: 0,
      maxAge: 1.5,
      debug: true,
      compress: false,
      pageView: true,
      dbName: 'x',
    });
  });

  it('leaves what is not plainly a number or a boolean as a string, for parseConfig to judge', () => {
    expect(
      configFromAttributes({
        batchSize: '-1',
        maxAge: '1e3',
        flushInterval: ' 5',
        debug: 'TRUE',
        maxQueueSize: 'lots',
        writeKey: 'true',
      }),
    ).toEqual({
      batchSize: '-1',
      maxAge: '1e3',
      flushInterval: ' 5',
      debug: 'TRUE',
      maxQueueSize: 'lots',
      writeKey: 'true',
    });
    expect(parseConfig({ endpoint, ...configFromAttributes({ batchSize: '-1' }) }).batchSize).toBe(20);
    expect(said()).toEqual(['engagekit: batchSize must be a positive number: using the default']);
  });

  it('keeps a numeric-looking database name a name', () => {
    const s = parseConfig({ endpoint, ...configFromAttributes({ dbName: '2024' }) });
    expect(s.dbName).toBe('2024');
    expect(said()).toEqual([]);
  });
});

describe('the consent option', () => {
  it('auto starts pending, without a warning (the consent manager decides); a wrong value warns and grants', () => {
    expect(parseConfig({ endpoint, consent: 'auto' }).consent).toBe('pending');
    expect(parseConfig({ endpoint, consent: 'pending' }).consent).toBe('pending');
    expect(parseConfig({ endpoint, consent: 'denied' }).consent).toBe('denied');
    expect(said()).toEqual([]);
    expect(parseConfig({ endpoint, consent: 'AUTO' }).consent).toBe('granted');
    expect(said()).toEqual(['engagekit: consent must be pending, granted, denied or auto: using granted']);
    expect(configFromAttributes({ consent: 'auto' })).toEqual({ consent: 'auto' });
  });
});
