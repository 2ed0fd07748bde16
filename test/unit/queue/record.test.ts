/**
 * The spill's storage format: written by our own writer, read back record by record with every
 * field checked, so neither a host page's JSON (Prototype.js's Array.prototype.toJSON, a replaced
 * JSON.stringify) nor a damaged copy can make a page fail on what an earlier page left.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readRecords, writeRecords, type Rec } from '../../../src/queue/record';
import { hostileJson } from '../../browser/support/hostileJson';

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyString = fc.string({ unit: fc.oneof(codeUnit, fc.string({ unit: 'binary', maxLength: 1 })) });
const record: fc.Arbitrary<Rec> = fc.record({
  id: anyString,
  j: anyString,
  n: fc.nat(),
  t: fc.integer({ min: 0, max: 4e12 }),
  q: fc.nat(),
  o: anyString,
  c: fc.nat(),
});

let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
});

describe('the spill format', () => {
  it('reads back what it wrote, for any records, through the real JSON.parse', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const text = writeRecords(records);
        expect(JSON.parse(text)).toEqual(records);
        expect(readRecords(text)).toEqual(records);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the same on a page with Prototype.js and a replaced JSON.stringify', () => {
    const records = [
      { id: 'a', j: '{"products":[1,2]}', n: 18, t: 1, q: 0, o: 'tab', c: 5 },
      { id: 'b', j: '{}', n: 2, t: 2, q: 1, o: 'tab' },
    ];
    const expected = writeRecords(records);
    // What JSON.stringify makes of the records on such a page: a JSON string (double encoded), or not JSON.
    const theirs: string[] = [];
    for (const arrays of ['json', 'garbage'] as const) {
      undo = hostileJson(arrays);
      theirs.push(JSON.stringify(records));
      expect(writeRecords(records)).toBe(expected);
      undo();
      undo = undefined;
    }
    expect(typeof JSON.parse(theirs[0])).toBe('string');
    expect(theirs[1]).toBe('[object Array]');
    expect(readRecords(expected)).toEqual(records.map((record) => ({ c: 0, ...record })));
  });

  it('keeps only well-formed records, and reads nothing from text that is not an array of them', () => {
    const good = { id: 'a', j: '{}', n: 2, t: 1, q: 3, o: 'tab', c: 9 };
    const text = JSON.stringify([
      good,
      null,
      'x',
      [1],
      { id: 1, j: '{}', n: 2, t: 1 },
      { id: 'b', j: {}, n: 2, t: 1 },
      { id: 'c', j: '{}', n: '2', t: 1 },
      { id: 'd', j: '{}', n: 2 },
      { id: 'e', j: '{}', n: 2, t: 1 },
      { id: 'f', j: '{}', n: 2, t: 1, o: 'tab', q: '1', c: null, extra: true },
    ]);
    expect(readRecords(text)).toEqual([good, { id: 'f', j: '{}', n: 2, t: 1, q: 1, o: 'tab', c: 0 }]);
    // What engagekit 0.1.0 wrote on a Prototype.js page: the array's JSON text as a JSON string.
    for (const unreadable of [undefined, '', '{not json', 'null', '{"id":"a"}', JSON.stringify(JSON.stringify([good]))])
      expect(readRecords(unreadable)).toEqual([]);
  });
});
