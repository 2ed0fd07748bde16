/**
 * Arguments a page may hand any public entry point, by mistake or by malice: nothing engagekit is
 * given may make it throw into the page (see src/lib/guard.ts).
 */
export function hostileArguments(): [name: string, value: unknown][] {
  const cyclic: Record<string, unknown> = { name: 'cyclic' };
  cyclic.self = cyclic;
  const fail = (what: string) => () => {
    throw new Error(what + ' throws');
  };
  // Getters that throw on every name an entry point may read.
  const names = ['endpoint', 'writeKey', 'consent', 'keepParams', 'product_id', 'order_id', 'cart_id', 'ignore'];
  const throwingGetters = Object.defineProperties(
    {},
    Object.fromEntries(names.map((name) => [name, { get: fail('getter ' + name), enumerable: true }])),
  );
  // A Proxy whose every trap throws, callable or not, and a revoked one (where even Array.isArray throws).
  const traps: ProxyHandler<object> = {};
  for (const trap of [
    'get',
    'set',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'getPrototypeOf',
    'defineProperty',
    'deleteProperty',
    'apply',
    'construct',
  ] as const) {
    traps[trap] = fail('trap ' + trap);
  }
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const throwingToString = { toString: fail('toString'), valueOf: fail('valueOf') };
  return [
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['zero', 0],
    ['NaN', NaN],
    ['-Infinity', -Infinity],
    ['a BigInt', 10n],
    ['a Symbol', Symbol('hostile')],
    ['true', true],
    ['an array', [1, 'two', { three: 3 }]],
    ['a cyclic object', cyclic],
    ['an object with a cyclic property', { product_id: cyclic, properties: cyclic }],
    ['a BigInt in an object', { product_id: 10n, order_id: 11n, quantity: 2n }],
    ['an object with throwing getters', throwingGetters],
    ['an object whose toString throws', throwingToString],
    ['a null-prototype object', Object.assign(Object.create(null), { product_id: Object.create(null) })],
    ['a Proxy whose traps throw', new Proxy({}, traps)],
    ['a callable Proxy whose traps throw', new Proxy(function () {}, traps)],
    ['a revoked Proxy', revocable.proxy],
    ['a function', () => 'a function'],
    ['a function that throws', fail('callback')],
    ['a class', class Hostile {}],
    ['a DOM node', document.body],
    ['the window', window],
    ['a very long string', 'x'.repeat(1_000_000)],
    ['a method name of Object.prototype', '__proto__'],
    ['constructor', 'constructor'],
  ];
}
