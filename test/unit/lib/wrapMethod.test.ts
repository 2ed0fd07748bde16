import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { wrapMethod } from '../../../src/lib/wrapMethod';

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

/** An object of the page's with a method that records its calls. */
function pageObject() {
  const calls: unknown[][] = [];
  const owner = {
    name: 'page',
    method(this: { name: string }, ...args: unknown[]) {
      calls.push([this.name, ...args]);
      if (args[0] == 'fail') throw pageError;
      return 'result of ' + args[0];
    },
  };
  return { owner, calls, original: owner.method };
}
const pageError = new Error("the page's own error");

describe('wrapMethod', () => {
  it("calls the original once, with the caller's this and arguments, and gives back its result or its very exception", () => {
    const { owner, calls } = pageObject();
    const seen: unknown[] = [];
    wrapMethod(owner, 'method', (self: { name: string }, args, result) => seen.push([self.name, args, result]));
    expect(owner.method('a', 2)).toBe('result of a');
    expect(() => owner.method('fail')).toThrow(pageError);
    expect(calls).toEqual([
      ['page', 'a', 2],
      ['page', 'fail'],
    ]);
    // Observed after the call returned; a call that threw is the page's alone.
    expect(seen).toEqual([['page', ['a', 2], 'result of a']]);
  });

  it('observes before the call when asked, and an observer that throws is a warning, never the caller’s', () => {
    const { owner, calls } = pageObject();
    const order: string[] = [];
    wrapMethod(
      owner,
      'method',
      () => {
        order.push('observed:' + calls.length);
        throw Symbol('not even printable as text');
      },
      true,
    );
    expect(owner.method('b')).toBe('result of b');
    expect(owner.method('c')).toBe('result of c');
    expect(order).toEqual(['observed:0', 'observed:1']);
    expect(calls).toHaveLength(2);
    expect(warn.mock.calls).toEqual([['engagekit: internal error: Symbol(not even printable as text)']]);
  });

  it('unwrap puts the original back while our wrapper is the one installed', () => {
    const { owner, original } = pageObject();
    const observe = vi.fn();
    const unwrap = wrapMethod(owner, 'method', observe);
    expect(owner.method).not.toBe(original);
    unwrap();
    expect(owner.method).toBe(original);
    owner.method('x');
    expect(observe).not.toHaveBeenCalled();
    unwrap(); // twice is harmless
    expect(owner.method).toBe(original);
  });

  it('leaves a wrapper another script put over ours, which keeps working, and ours observes nothing more', () => {
    const { owner, calls } = pageObject();
    const observe = vi.fn();
    const unwrap = wrapMethod(owner, 'method', observe);
    const ours = owner.method;
    const theirs = vi.fn(function (this: unknown, ...args: unknown[]) {
      return ours.apply(this as { name: string }, args);
    });
    owner.method = theirs;
    owner.method('before');
    expect(observe).toHaveBeenCalledTimes(1);
    unwrap();
    expect(owner.method).toBe(theirs);
    expect(owner.method('after')).toBe('result of after');
    expect(theirs).toHaveBeenCalledTimes(2);
    expect(calls.map((call) => call[1])).toEqual(['before', 'after']);
    expect(observe).toHaveBeenCalledTimes(1);
  });

  it('leaves alone what is not a function, or what the page made read-only', () => {
    const missing: Record<string, unknown> = {};
    wrapMethod(missing, 'fetch', vi.fn())();
    expect(missing).toEqual({});
    const { owner, original } = pageObject();
    Object.freeze(owner);
    const unwrap = wrapMethod(owner, 'method', vi.fn());
    expect(owner.method).toBe(original);
    expect(() => unwrap()).not.toThrow();
  });
});

describe('wrapMethod: several of ours', () => {
  it('stopped in any order, leave none of ours behind', () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
      [0, 2, 1],
    ]) {
      const { owner, original, calls } = pageObject();
      const seen: number[] = [];
      const unwraps = [0, 1, 2].map((index) => wrapMethod(owner, 'method', () => seen.push(index)));
      owner.method('all');
      expect(seen.sort()).toEqual([0, 1, 2]);
      for (const index of order) unwraps[index]();
      expect(owner.method, 'stopped in the order ' + order).toBe(original);
      owner.method('none');
      expect(seen).toHaveLength(3);
      expect(calls).toHaveLength(2);
    }
  });

  it("with another script's wrapper between them: that one stays, calling ours, which pass through", () => {
    const { owner, original, calls } = pageObject();
    const observe = vi.fn();
    const unwrapLower = wrapMethod(owner, 'method', observe);
    const lower = owner.method;
    const theirs = function (this: { name: string }, ...args: unknown[]) {
      return lower.apply(this, args);
    };
    owner.method = theirs;
    const unwrapUpper = wrapMethod(owner, 'method', observe);
    unwrapLower();
    unwrapUpper();
    expect(owner.method).toBe(theirs);
    expect(owner.method('x')).toBe('result of x');
    expect(observe).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
    expect(original).not.toBe(theirs);
  });
});
