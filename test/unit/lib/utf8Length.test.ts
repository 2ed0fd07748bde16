import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { utf8Length } from '../../../src/lib/utf8Length';

const encoded = (s: string) => new TextEncoder().encode(s).length;

describe('utf8Length', () => {
  it('counts what TextEncoder writes: ASCII, 2- and 3-byte characters, surrogate pairs, lone surrogates', () => {
    for (const s of [
      '',
      'abc',
      'é',
      '\u07ff',
      '\u0800',
      '€',
      '\uffff',
      '😀',
      'a😀b',
      '\ud800',
      '\udc00x',
      '\ud800\ud800',
      '\udc00\ud800',
    ])
      expect(utf8Length(s), JSON.stringify(s)).toBe(encoded(s));
  });

  it('agrees with TextEncoder on any string of UTF-16 code units', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const s = String.fromCharCode(...units);
        expect(utf8Length(s)).toBe(encoded(s));
      }),
      { numRuns: 2000 },
    );
  });
});
