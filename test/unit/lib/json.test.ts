/**
 * Our JSON writer: read back by the real JSON.parse exactly as given, for any string (lone
 * surrogates included), and untouched by what a host page does to JSON (Prototype.js's
 * Array.prototype.toJSON, a replaced JSON.stringify, an Object.prototype.toJSON).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { flatJson, quote } from '../../../src/lib/json';
import { hostileJson } from '../../browser/support/hostileJson';

// Any UTF-16 code unit, so lone surrogates and control characters come up often, mixed with
// whole code points (surrogate pairs) and the characters JSON escapes.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const special = fc.constantFrom('"', '\\', '\n', '\u2028', '\u2029', '\0', '\ud800', '\udfff', '😀', '/', '</script>');
const anyString = fc.string({ unit: fc.oneof(codeUnit, special, fc.string({ unit: 'binary', maxLength: 1 })) });

let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
});

describe('quote', () => {
  it('is read back by JSON.parse as the very string, for any string', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        expect(JSON.parse(quote(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes well-formed text: no lone surrogate, control character, U+2028 or U+2029 left raw', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        const json = quote(text);
        expect(json.isWellFormed()).toBe(true);
        // eslint-disable-next-line no-control-regex -- what must not be left raw
        expect(/[\0-\x1f\u2028\u2029]/.test(json)).toBe(false);
      }),
    );
    expect(quote('a"b\\c\n\ud83d\ude00\ud800')).toBe('"a\\u0022b\\u005cc\\u000a\ud83d\ude00\\ud800"');
  });
});

describe('flatJson', () => {
  it('writes the string and number values as JSON.stringify does, leaving out the rest', () => {
    const value = fc.oneof(anyString, fc.double(), fc.integer(), fc.constant(undefined), fc.boolean(), fc.object());
    fc.assert(
      fc.property(fc.dictionary(anyString, value), (object) => {
        const kept = Object.fromEntries(
          Object.entries(object).filter(([, field]) => typeof field == 'string' || typeof field == 'number'),
        );
        expect(JSON.parse(flatJson(object))).toEqual(JSON.parse(JSON.stringify(kept)));
      }),
      { numRuns: 500 },
    );
    expect(flatJson({ a: 1, b: 'x', c: undefined, d: NaN, e: Infinity, f: -0, g: [1], h: true })).toBe(
      '{"a":1,"b":"x","d":null,"e":null,"f":0}',
    );
  });

  it('is the same on a page that replaced JSON.stringify or defined toJSON on the prototypes', () => {
    const record = { id: 'm1', j: '{"a":[1,2]}', n: 11, t: 1, q: 0, o: 'tab' };
    const expected = flatJson(record);
    undo = hostileJson('garbage');
    const objectPrototype = Object.prototype as { toJSON?: () => string };
    objectPrototype.toJSON = () => 'hijacked';
    try {
      expect(flatJson(record)).toBe(expected);
      expect(quote('x')).toBe('"x"');
    } finally {
      delete objectPrototype.toJSON;
    }
    expect(JSON.parse(expected)).toEqual(record);
  });
});
