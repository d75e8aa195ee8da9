// Lua's truthiness is not JavaScript's: 0 and '' are true in Lua, and TypeScriptToLua compiles
// `if (n)`, `a || b` and `x ? … : …` as they are. Every file compiled into the lean build must
// therefore test numbers and strings explicitly. device-reporter/build-lua.ts runs this check
// on exactly those files (it needs type information, so it is not part of the fast `npm run lint`).
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['**/*.ts'],
  languageOptions: {
    parser: tseslint.parser,
    parserOptions: {
      project: ['./tsconfig.json', './device-reporter/lean/tsconfig.json'],
      tsconfigRootDir: join(import.meta.dirname, '..', '..'),
    },
  },
  plugins: { '@typescript-eslint': tseslint.plugin },
  rules: {
    '@typescript-eslint/strict-boolean-expressions': [
      'error',
      {
        allowString: false,
        allowNumber: false,
        allowNullableObject: true,
        allowNullableBoolean: true,
        allowNullableString: false,
        allowNullableNumber: false,
        allowAny: false,
      },
    ],
  },
});
