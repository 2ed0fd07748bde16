import { guard } from './guard';

/**
 * Our wrappers that were unwrapped while another function sat over them, each with what it had
 * found: when what sat over it is unwrapped in turn, both come off (captures stopped in any order
 * leave none of ours behind).
 */
const passThroughs = new WeakMap<object, unknown>();

/**
 * Wrap a function of the page's (`fetch`, `history.pushState`, `XMLHttpRequest.prototype.send`,
 * `HTMLFormElement.prototype.submit`) so `observe` sees each call: before it when `before` is set
 * (with no result), else after it returned. The page's call runs as it would without us: the
 * original is called exactly once, with the same `this` and arguments, and its result or its
 * exception is the caller's; what `observe` throws is only a warning.
 *
 * Returns `unwrap`. It puts the original back only while our wrapper is still the one installed:
 * a script that wrapped ours after us keeps its wrapper (which keeps calling ours), and ours becomes
 * a pass-through that observes nothing. A property the page made read-only is left alone.
 */
export function wrapMethod<Self>(
  owner: object,
  name: string,
  observe: (self: Self, args: unknown[], result?: unknown) => void,
  before?: boolean,
): () => void {
  const methods = owner as Record<string, unknown>;
  const original = methods[name] as (...args: unknown[]) => unknown;
  const watch = guard(observe);
  let active = typeof original == 'function';
  const wrapper = function (this: Self, ...args: unknown[]) {
    if (active && before) watch(this, args);
    const result = Reflect.apply(original, this, args);
    if (active && !before) watch(this, args, result);
    return result;
  };
  const install = (method: unknown) => {
    try {
      methods[name] = method;
    } catch {
      // read-only (frozen by the page): nothing is observed through it
    }
  };
  if (active) install(wrapper);
  return () => {
    active = false;
    let found: unknown = original;
    while (passThroughs.has(found as object)) found = passThroughs.get(found as object);
    if (methods[name] === wrapper) install(found);
    else passThroughs.set(wrapper, found);
  };
}
