import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { guard } from '../../../src/lib/guard';

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('guard', () => {
  it('returns what the callback returns, with its arguments', () => {
    expect(guard((a: number, b: number) => a + b)(2, 3)).toBe(5);
    expect(warn).not.toHaveBeenCalled();
  });

  it('turns whatever is thrown into one warning per distinct text and returns undefined', () => {
    const unprintable = {
      toString() {
        throw new Error('no text either');
      },
    };
    for (const thrown of [
      new TypeError('boom'),
      new TypeError('boom'),
      Symbol('sym'),
      unprintable,
      'x'.repeat(10_000),
    ]) {
      expect(
        guard(() => {
          throw thrown;
        }, 'cart.add() dropped')(),
      ).toBeUndefined();
    }
    const said = warn.mock.calls.map((call) => String(call[0]));
    expect(said.slice(0, 3)).toEqual([
      'engagekit: cart.add() dropped: TypeError: boom',
      'engagekit: cart.add() dropped: Symbol(sym)',
      'engagekit: cart.add() dropped: an unprintable error',
    ]);
    // A very long problem is one short line.
    expect(said[3].length).toBeLessThan(320);
    expect(said).toHaveLength(4);
  });
});
