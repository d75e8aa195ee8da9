// Flat config: typescript-eslint's recommended rules without type information, so lint stays fast.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['device-reporter/**/*.ts'],
    rules: {
      // The reporter runs on the CE device and must never pull in backend code.
      'no-restricted-imports': [
        'error',
        { patterns: ['**/ingest/**', '**/alerting/**', '**/dashboards/**', '**/reports/**', '**/stack/**'] },
      ],
    },
  },
);
