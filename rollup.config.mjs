import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// Internal properties start with `_` so terser can shorten them (as web-vitals does). Nothing `_` is
// public, stored or sent: the wire and IndexedDB formats use plain short names.
const min = terser({
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
});

// The script tag loads web-vitals from its own file (engagekit-vitals.min.js, see script.ts), so
// the npm build's `import('web-vitals')` (a chunk bundlers split off) resolves to nothing here.
const noWebVitals = {
  name: 'no-web-vitals',
  resolveDynamicImport: (s) => (s === 'web-vitals' ? '\0no-web-vitals' : null),
  load: (id) => (id === '\0no-web-vitals' ? 'export {}' : null),
};

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
  {
    input: 'src/script.ts',
    output: {
      file: 'dist/engagekit.min.js',
      format: 'iife',
      sourcemap: true,
      inlineDynamicImports: true,
      plugins: [min],
    },
    plugins: [
      noWebVitals,
      resolve(),
      typescript({
        tsconfig: './tsconfig.json',
        declaration: false,
        declarationMap: false,
        outDir: 'dist',
        sourceMap: true,
      }),
    ],
  },
  // Script tag's Web Vitals: the web-vitals package, fetched by engagekit.min.js only when they are on.
  {
    input: 'src/vitalsScript.ts',
    output: { file: 'dist/engagekit-vitals.min.js', format: 'iife', sourcemap: true, plugins: [min] },
    plugins: [
      resolve(),
      typescript({
        tsconfig: './tsconfig.json',
        declaration: false,
        declarationMap: false,
        outDir: 'dist',
        sourceMap: true,
      }),
    ],
  },
];
