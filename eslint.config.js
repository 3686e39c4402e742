import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Lint enforces the structure STYLE.md describes: one-way imports between client, server and shared,
// features that do not reach into each other, a worker that stays out of the main bundle, no import
// cycles, kebab-case files. src/lint-zones.test.ts proves each zone still bites.

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

// Read from disk, so a new feature folder gets its own zone without anyone editing this file.
const features = readdirSync(join(import.meta.dirname, 'src/client/features'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Zones compare resolved files, not the text of the import, so `../../ring/x` from a feature is caught
// although it never says "features".
const zones = [
  ...features.map((name) => ({
    target: `src/client/features/${name}`,
    from: 'src/client/features',
    except: [`./${name}`],
    message: 'Features do not import each other; share through lib/ or components/ui/.',
  })),
  {
    target: 'src/client/features',
    from: 'src/client/app',
    message: 'Features do not import the app; the app wires features together.',
  },
  {
    target: 'src/client/workers',
    from: ['src/client/app', 'src/client/features', 'src/client/lib', 'src/client/components'],
    message: 'The worker imports nothing from the main bundle.',
  },
  { target: 'src/client/workers', from: 'src/server', message: 'The worker runs in the browser.' },
  {
    target: 'src/shared',
    from: ['src/client', 'src/server'],
    message: 'src/shared is imported by client and server and imports neither.',
  },
  { target: 'src/server', from: 'src/client', message: 'The server never imports client code.' },
];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'dist-server',
      'data',
      'node_modules',
      'test-results',
      'playwright-report',
      'bench/results',
    ],
  },
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
    files: ['eslint.config.js', 'stryker.config.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      // The plugin's own resolver, taught TypeScript's extensions; the project has no path aliases.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.tsx', '.js'],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }],
      // Type-only imports vanish at build time and cannot form a runtime cycle, so the rule skips them.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/client/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The client may name the server's types (hc<AppType>), which vanish at build time, and nothing else.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server', '**/server/**'],
              allowTypeImports: true,
              message: 'The client imports only types from the server; it talks to it over HTTP.',
            },
            { group: ['node:*'], message: 'The client runs in the browser.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client/workers/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'The worker runs in the browser.' }] },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: restrict([
      [['node:*', 'react', 'react-dom'], 'src/shared runs in the browser, the worker and Node alike.'],
    ]),
  },
  {
    files: ['src/server/**/*.ts'],
    languageOptions: { globals: globals.node },
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
    // Routes validate, authorize, call src/server/db and shape the answer; queries live in the data layer.
    files: ['src/server/routes/**/*.ts'],
    ignores: ['src/server/routes/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kysely', message: 'Routes hold no SQL: add a function to src/server/db/<resource>.ts.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction|executeQuery)$/]',
          message: 'Routes hold no SQL: add a function to src/server/db/<resource>.ts.',
        },
      ],
    },
  },
  {
    files: ['e2e/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '*.config.ts', 'src/*.test.ts'],
    languageOptions: { globals: globals.node },
  },
);
