// Lint with import boundaries:
//  - no `vscode` import outside extension/ (the kernel, tests of the kernel and benches stay editor-free);
//  - the kernel never imports from extension/ or media/;
//  - DOM types are kept out of kernel/ by tsconfig.json (lib without "dom"); this config adds the import rules.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.cache/**', 'bench/.tmp/**', 'test/artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'kernel/**/*.wasm', 'kernel/**/assembly/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'vscode may only be imported inside extension/.' }],
      }],
      'no-debugger': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'kernel/ must not import vscode.' }],
        patterns: [{ group: ['**/extension/**', '**/media/**'], message: 'kernel/ must not depend on extension/ or media/.' }],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement', 'HTMLCanvasElement'],
    },
  },
  {
    files: ['extension/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['extension/runner/**/*.ts', 'extension/renderer/**/*.ts', 'extension/webviews/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'the runner, renderer and webviews are vscode-free (reused by the tour and tests).' }] }],
    },
  },
);
