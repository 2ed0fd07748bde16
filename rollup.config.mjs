import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// The script tag's minifier. Property names are mangled by one rule, the one web-vitals writes next
// to its own terser config (see `mangle` below).
const minify = terser({
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
  mangle: {
    properties: {
      // Only object properties whose names begin with `_` are mangled; every other name is kept
      // as written. The prefix is reserved for internal properties that are not part of the
      // public API (no option, method or returned field has one) and whose names are never those
      // of a property a built-in or a DOM/host object has (`__proto__`, `__defineGetter__`, a `_`
      // field on an object the page or the browser hands us), so mangling never renames a
      // platform property. A `_` property is also never stored and never sent: the wire format
      // and the IndexedDB/localStorage formats use plain names (see src/queue/record.ts), which
      // mangling leaves alone, so what one build stores another reads.
      regex: /^_/,
    },
  },
  format: { comments: false },
});

// The Shopify pixel's minifier: the same, but keeping the top-level `var engagekit` the merchant's
// pasted code calls (toplevel mangling would drop it as unused).
const minifyKeepingGlobal = terser({
  ecma: 2020,
  compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
});

// The script tag loads web-vitals from its own file (engagekit-vitals.min.js, see script.ts), so
// the npm build's `import('web-vitals')` (a chunk bundlers split off) resolves to nothing here.
const noWebVitals = {
  name: 'no-web-vitals',
  resolveDynamicImport: (specifier) => (specifier === 'web-vitals' ? '\0no-web-vitals' : null),
  load: (id) => (id === '\0no-web-vitals' ? 'export {}' : null),
};

// The script tag runs only in a page: there lib/inBrowser.ts (which makes the npm build a silent
// no-op under server-side rendering) is always true, and the minifier drops the no-op paths.
const inPage = {
  name: 'in-page',
  load: (id) => (/[\\/]src[\\/]lib[\\/]inBrowser\.ts$/.test(id) ? 'export const inBrowser = () => true;' : null),
};

// The Shopify pixel build (src/shopify/shopifyPixel.ts): Shopify runs custom pixels in an iframe
// sandboxed without allow-same-origin, an opaque origin where IndexedDB's open() throws and Web
// Locks reject, and whose own location and document are Shopify's sandbox page, not the shop's.
// Three modules get the sandbox's own version there, at build time, as the script tag's inBrowser:
// the send lock runs its task at once (one frame, nothing to share a queue with; a rejected lock
// request would otherwise never send), the queue does not try IndexedDB (memory, with no warning on
// every pixel load), and `context.page` comes from Shopify's description of the page (topPage.ts).
const sourceFile = (id, path) => id.replace(/\\/g, '/').endsWith('/src/' + path);
const inShopifySandbox = {
  name: 'shopify-sandbox',
  async resolveId(source, importer) {
    if (!importer || !/pageContext$/.test(source) || sourceFile(importer, 'shopify/topPage.ts')) return null;
    const resolved = await this.resolve(source, importer, { skipSelf: true });
    return resolved && sourceFile(resolved.id, 'lib/pageContext.ts')
      ? resolved.id.replace(/lib[\\/]pageContext\.ts$/, 'shopify/topPage.ts')
      : null;
  },
  load: (id) =>
    sourceFile(id, 'transport/sendLock.ts') ? 'export const withSendLock = (_name, _signal, task) => task();' : null,
  transform(code, id) {
    if (!sourceFile(id, 'queue/eventQueue.ts')) return null;
    const lookup = "typeof indexedDB == 'object' && indexedDB ? idbStore(settings.dbName) : undefined";
    // (The code here is TypeScript's output: plugin-typescript compiles in its load hook.)
    const warning = "warn('IndexedDB is missing: events are kept in memory for this page')";
    // A changed eventQueue.ts must fail this build, not quietly build a pixel that tries IndexedDB.
    if (!code.includes(lookup) || !code.includes(warning)) this.error('shopify-sandbox: eventQueue.ts changed');
    return code.replace(lookup, 'undefined').replace(warning, 'undefined');
  },
};

/** One file of the script-tag build: a minified, self-contained IIFE (dependencies inside). */
const scriptTagFile = (input, file, plugins = []) => ({
  input,
  output: { file, format: 'iife', sourcemap: true, inlineDynamicImports: true, plugins: [minify] },
  plugins: [
    inPage,
    ...plugins,
    resolve(),
    typescript({
      tsconfig: './tsconfig.json',
      declaration: false,
      declarationMap: false,
      outDir: 'dist',
      sourceMap: true,
    }),
  ],
});

export default [
  // npm: ESM with .d.ts, idb-keyval and web-vitals left as dependencies so apps share one copy.
  {
    input: 'src/index.ts',
    output: { dir: 'dist', format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: 'src' },
    external: ['idb-keyval', 'web-vitals'],
    plugins: [
      typescript({
        tsconfig: './tsconfig.json',
        declaration: true,
        declarationDir: 'dist',
        rootDir: 'src',
        outDir: 'dist',
      }),
    ],
  },
  // Script tag: one self-starting minified IIFE with idb-keyval inside.
  scriptTagFile('src/script.ts', 'dist/engagekit.min.js', [noWebVitals]),
  // Script tag's Web Vitals: the web-vitals package, fetched by engagekit.min.js only when they are on.
  scriptTagFile('src/vitalsScript.ts', 'dist/engagekit-vitals.min.js'),
  // Script tag's consent-manager reader: fetched by engagekit.min.js only with data-consent="auto".
  scriptTagFile('src/consentScript.ts', 'dist/engagekit-consent.min.js'),
  // The Shopify pixel, pasted into Shopify's custom pixel editor: `var engagekit = { shopifyPixel }`.
  {
    ...scriptTagFile('src/shopify/shopifyPixel.ts', 'dist/engagekit-shopify-pixel.min.js', [inShopifySandbox]),
    output: {
      file: 'dist/engagekit-shopify-pixel.min.js',
      format: 'iife',
      name: 'engagekit',
      sourcemap: true,
      plugins: [minifyKeepingGlobal],
    },
  },
  // The same as an ES module (`engagekit/shopify-pixel`), self-contained: it shares nothing with the
  // npm build's modules, whose queue and lock are not the sandbox's.
  // Its types go to dist/shopify-pixel/ (not into the npm build's graph, whose size measurements
  // they would move).
  {
    input: 'src/shopify/shopifyPixel.ts',
    output: { file: 'dist/shopify-pixel.js', format: 'es', sourcemap: true },
    plugins: [
      inShopifySandbox,
      resolve(),
      typescript({
        tsconfig: './tsconfig.json',
        declaration: true,
        declarationDir: 'dist/shopify-pixel',
        rootDir: 'src',
        outDir: 'dist',
        sourceMap: true,
      }),
    ],
  },
];
