// Lint: typescript-eslint's recommended rules everywhere, plus rules for what issue 9 cleaned up
// in src/ (one-letter names, comma and `&&` expression statements). `npm run lint` runs this and
// prettier in check mode; both are part of `npm test` and must report nothing.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'bench/node_modules/',
      'bench/results/',
      'test-results/',
      'coverage/',
      'test/browser/platforms/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser, ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `a, b;` and `a && b();` as statements: terser writes those itself, so they buy no bytes.
      'no-sequences': 'error',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: false, allowTernary: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Names say what they hold: one-letter names only for loop indices. Properties are exempt:
      // the stored record's short fields are a storage format (see src/queue/record.ts).
      'id-length': ['error', { min: 2, properties: 'never', exceptions: ['i', 'j'] }],
    },
  },
);
