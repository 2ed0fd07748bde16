/**
 * What some host pages do to JSON, for the tests that engagekit's storage does not depend on it.
 * Self-contained (no imports, no outer variables): the browser tests hand it to
 * `addInitScript`, so it runs first on every page of the site, as a library in the page's <head>
 * would; the unit tests call it and undo it with the function it returns.
 *
 * 1. `Array.prototype.toJSON` as Prototype.js 1.6.0 defines it (prototypejs/prototype, tag 1.6.0,
 *    src/array.js: `toJSON: function() { var results = []; this.each(function(object) { var value =
 *    Object.toJSON(object); if (!Object.isUndefined(value)) results.push(value); }); return '[' +
 *    results.join(', ') + ']'; }`), with a stand-in for its `Object.toJSON` (src/base.js): strings and
 *    numbers as their own Prototype toJSON writes them (quoted and escaped; digits), objects
 *    property by property, anything with a toJSON through it. Assigned as Prototype's
 *    `Object.extend` does, so enumerable. `JSON.stringify([…])` then returns a JSON *string*.
 * 2. `JSON.stringify` replaced by a wrapper that counts its calls (`globalThis.stringifyCalls`) and
 *    returns what the original returns (`'json'`), or `'[object Array]'`, which is not JSON, for
 *    any array (`'garbage'`).
 */
export function hostileJson(arrays: 'json' | 'garbage'): () => void {
  const nativeStringify = JSON.stringify;
  const arrayPrototype = Array.prototype as unknown as { toJSON?: () => string };
  const scope = globalThis as unknown as { stringifyCalls: number };
  const objectToJSON = (object: unknown): string | undefined => {
    if (object === undefined || typeof object == 'function') return undefined;
    if (object === null || typeof object != 'object') return nativeStringify(object);
    const withToJSON = object as { toJSON?: () => string };
    if (typeof withToJSON.toJSON == 'function') return withToJSON.toJSON();
    const results: string[] = [];
    for (const property in object) {
      const value = objectToJSON((object as Record<string, unknown>)[property]);
      if (value !== undefined) results.push(nativeStringify(property) + ': ' + value);
    }
    return '{' + results.join(', ') + '}';
  };
  arrayPrototype.toJSON = function (this: unknown[]) {
    const results: string[] = [];
    for (let i = 0; i < this.length; i++) {
      const value = objectToJSON(this[i]);
      if (value !== undefined) results.push(value);
    }
    return '[' + results.join(', ') + ']';
  };
  scope.stringifyCalls = 0;
  JSON.stringify = function (value: unknown, ...rest: unknown[]) {
    scope.stringifyCalls++;
    if (arrays == 'garbage' && Array.isArray(value)) return '[object Array]';
    return (nativeStringify as (...args: unknown[]) => string)(value, ...rest);
  } as typeof JSON.stringify;
  return () => {
    delete arrayPrototype.toJSON;
    JSON.stringify = nativeStringify;
  };
}
