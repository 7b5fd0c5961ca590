// Lint rules: typescript-eslint recommended, plus the project's own checks
// (STYLE-models.md items 3, 12 and 14).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'coverage/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The layering of README "Layout" (eslint/layers.js).
    files: ['lib/**/*.ts', 'cli/**/*.ts', 'fuse-like-watch/**/*.ts', 'server/**/*.ts'],
    plugins: { dare: layers },
    rules: { 'dare/layers': 'error' },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.test.ts'],
    rules: {
      // Bad data raises DareError with a stable code; misuse raises TypeError/RangeError.
      'no-restricted-syntax': ['error', {
        selector: "NewExpression[callee.name='Error']",
        message: 'throw a DareError (bad data) or TypeError/RangeError (misuse)',
      }],
      'no-console': 'error',
    },
  },
  {
    files: ['cli/commands/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'exit' }],
      'no-console': 'error',
    },
  },
);
