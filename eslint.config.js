// Lint: type-checked rules, the package graph as import boundaries, and a pure engine.
import tseslint from 'typescript-eslint';

/** Which workspace packages each package may import (DESIGN.md, Proposed layout). */
const allowedImports = {
  api: [],
  workflow: ['api'],
  runner: ['api', 'workflow', 'process', 'git'],
  engine: ['api'],
  process: [],
  git: ['api', 'process'],
  render: ['api', 'engine', 'process'],
  host: ['api', 'engine'],
  kubernetes: ['api', 'engine'],
  link: ['api'],
  store: ['api'],
  hub: ['api', 'link', 'store', 'git', 'workflow', 'gitops'],
  agent: ['api', 'engine', 'git', 'render', 'host', 'kubernetes', 'link'],
  gitops: ['api', 'git'],
  cli: ['api', 'engine', 'git', 'render', 'host', 'kubernetes', 'agent', 'hub', 'link', 'store', 'gitops', 'testkit', 'workflow', 'runner'],
  testkit: ['api', 'engine', 'git', 'render', 'host', 'kubernetes', 'agent', 'hub', 'link', 'store'],
  // The web UI talks only to the hub's HTTP API; it reads the api package's types.
  web: ['api'],
};
const allPackages = Object.keys(allowedImports);

const boundaries = Object.entries(allowedImports).map(([pkg, allowed]) => ({
  files: [`packages/${pkg}/src/**/*.ts`, `packages/${pkg}/app/**/*.{ts,tsx}`],
  // Tests and their helpers (testing.ts) may use the test kit.
  ignores: ['**/*.test.ts', '**/testing.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        {
          group: allPackages.filter((p) => p !== pkg && !allowed.includes(p)).map((p) => `@trueup/${p}`),
          message: `packages/${pkg} may import only: ${allowed.join(', ') || 'nothing from the workspace'}.`,
        },
        { group: ['../../*'], message: 'Import another package by its name, not by a relative path.' },
        ...(pkg === 'engine' ? [{ group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto'], message: 'The engine is pure: no I/O.' }] : []),
      ].filter((pattern) => pattern.group.length > 0),
    }],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', '**/testdata/**', 'bench/out/**', '.cache/**', 'packages/web/dist/**', '.trueup-demo/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Commands and ports are async by contract even where one implementation needs no await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
  {
    files: ['packages/engine/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'process', message: 'The engine is pure: pass values in.' },
        { name: 'setTimeout', message: 'The engine is pure: no timers.' },
        { name: 'setInterval', message: 'The engine is pure: no timers.' },
        { name: 'fetch', message: 'The engine is pure: no I/O.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'The engine is pure: take the time as an argument.' },
        { object: 'Math', property: 'random', message: 'The engine is pure: no randomness.' },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The engine is pure: take the time as an argument.' }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
