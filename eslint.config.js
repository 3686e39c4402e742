import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Lint enforces the structure STYLE.md describes: one-way imports between client, server and shared,
// features that do not reach into each other, a worker that stays out of the main bundle, kebab-case files.

const kebabCaseFiles = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    return {
      Program(node) {
        const base = context.filename.split(/[\\/]/).pop() ?? '';
        if (!/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/.test(base)) {
          context.report({ node, message: `File name "${base}" should be kebab-case.` });
        }
      },
    };
  },
};

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map(([group, message]) => ({ group, message })) }],
});

export default tseslint.config(
  { ignores: ['dist', 'data', 'node_modules', 'test-results', 'playwright-report', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { ringpost: { rules: { 'kebab-case-files': kebabCaseFiles } } },
    rules: {
      'ringpost/kebab-case-files': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/client/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict([
        [
          ['**/server/**', 'node:*'],
          'The client talks to the server over HTTP, through src/shared protocol schemas.',
        ],
      ]),
    },
  },
  {
    files: ['src/client/features/**/*.{ts,tsx}'],
    rules: restrict([
      [
        ['**/server/**', 'node:*'],
        'The client talks to the server over HTTP, through src/shared protocol schemas.',
      ],
      [
        ['**/features/**', '**/app/**'],
        'Features do not import each other or the app; share through lib/ or components/ui/.',
      ],
    ]),
  },
  {
    files: ['src/client/workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**', 'node:*'], message: 'The worker runs in the browser.' },
            {
              regex: '^\\.\\./(app|features|lib|components)(/|$)',
              message: 'The worker imports nothing from the main bundle.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: restrict([
      [['**/client/**', '**/server/**'], 'src/shared is imported by client and server and imports neither.'],
      [['node:*', 'react', 'react-dom'], 'src/shared runs in the browser, the worker and Node alike.'],
    ]),
  },
  {
    files: ['src/server/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: restrict([[['**/client/**'], 'The server never imports client code.']]),
  },
  {
    files: ['src/server/**/*.ts'],
    ignores: ['src/server/env.ts', 'src/server/testing/**', 'src/server/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings in src/server/env.ts only.' },
      ],
    },
  },
  {
    files: ['e2e/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '*.config.ts'],
    languageOptions: { globals: globals.node },
  },
);
