// Flat config: typescript-eslint's recommended rules without type information, so lint stays fast.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (scripts/layers.json; README's folder table): an arrow is "may import".
 *   device-reporter -> contract            (the device wire only)
 *   store -> contract                      (the backend's shared model)
 *   ingest, alerting, reports, dashboards -> store, contract   (parts; never each other)
 *   backend -> parts, store, contract      (the host and the composition root)
 *   bin -> anything; bench, e2e, scripts, test-support and tests -> anything
 *   stack -> nothing of the above          (dev services)
 * Import cycles are caught by scripts/import-graph.test.ts.
 */
const { folders: FOLDERS, allowed: ALLOWED } = JSON.parse(
  readFileSync(new globalThis.URL('./scripts/layers.json', import.meta.url), 'utf8'),
);
const layerRule = (folder) => ({
  files: [`${folder}/**/*.ts`],
  // Tests may reach any layer; the reporter's tests keep its rule (they opt out line by line).
  ignores: folder === 'device-reporter' ? [] : ['**/test/**', '**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: FOLDERS.filter((f) => f !== folder && !ALLOWED[folder].includes(f)).map((f) => `**/${f}/**`),
            message: `${folder}/ may import only ${ALLOWED[folder].join(', ') || 'libraries'} (layers: eslint.config.js).`,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.wanwatch/**', '**/*.golden.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...Object.keys(ALLOWED).map(layerRule),
);
