// Flat ESLint config: typescript-eslint's recommended rules; formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment only in functions/src/config.' },
      ],
    },
  },
  {
    // MCP SDK v1 stays installed (a dependency of @google/genai, and the old-client test), but none of its objects
    // may cross into our v2 code.
    files: ['functions/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
              message: 'Use MCP SDK v2 packages.',
            },
          ],
        },
      ],
    },
  },
  {
    // The domain: its own files, errors, log and node:* only — no adapters, SDKs, config or other packages.
    files: ['functions/src/operations/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[\\w.-]+$|\\.\\./(errors|log)\\.js$|node:)',
              message: 'operations/ imports only its own files, ../errors.js, ../log.js and node:* modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/src/config/**', 'test/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // npm test runs several test files in one process (test/lanes/): a hook at a file's top level would be the whole
    // lane's, run around other files' tests. Hooks belong inside the file's describe().
    files: ['test/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'Program > ExpressionStatement > CallExpression[callee.name=/^(before|after|beforeEach|afterEach)$/]',
          message: 'Put hooks inside a describe(): test files share a process in npm test (test/lanes/).',
        },
      ],
    },
  },
);
