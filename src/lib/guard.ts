import { warn } from './warn';

/** An error as text, whatever was thrown: a Symbol, or an object whose toString throws, too. */
function describe(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'an unprintable error';
  }
}

/**
 * `callback` made safe to run inside the page's own calls and events: whatever it throws — a bug of
 * ours, or what the page handed us (a getter or Proxy that throws, a cyclic or BigInt value) — is
 * one console warning (`what: error`, once per distinct text), and the call returns undefined. The
 * SDK never throws into the host page.
 */
export function guard<Args extends unknown[], Result>(
  callback: (...args: Args) => Result,
  what = 'internal error',
): (...args: Args) => Result | undefined {
  return (...args) => {
    try {
      return callback(...args);
    } catch (error) {
      warn(what + ': ' + describe(error));
    }
  };
}
