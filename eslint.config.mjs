import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layering of src/. The code imports by relative path, so a forbidden layer is found as a
// folder segment of a relative specifier (`../extension/commands`, `../../server`), never in a
// package name such as `vscode-languageserver/node`. Each front end may use core and shared,
// never another front end; core and shared use none of them.
const FRONT_ENDS = ['extension', 'server', 'cli', 'webview'];
const intoLayer = (layers) => `^\\.\\.?/(?:.*/)?(?:${layers.join('|')})(?:/|$)`;

const VSCODE = { name: 'vscode', message: 'Only src/extension runs in the extension host; everywhere else `vscode` does not exist.' };
// src/shared and src/webview are bundled into the dashboard webview, a browser page. tsc -p
// src/webview already fails on a Node.js module reached through core; this names the line
// where one is imported directly.
const BROWSER = 'src/shared and src/webview run in the dashboard webview, a browser page: no Node.js modules.';
const NODE_BUILTINS = builtinModules.map((name) => ({ name, message: BROWSER }));
const NODE_PREFIX = { regex: '^node:', message: BROWSER };

/**
 * One `files` block per layer: no-restricted-imports takes one configuration per file, so each
 * block carries everything its layer may not import. `import()` expressions and `import('…')`
 * types are not seen by that rule, hence the no-restricted-syntax twin.
 */
function layer(name, { forbidden, message, paths = [], patterns = [] }) {
  const regex = intoLayer(forbidden);
  const selector = `/${regex.replaceAll('/', '\\/')}/i`;
  return {
    files: [`src/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { paths, patterns: [{ regex, message }, ...patterns] }],
      'no-restricted-syntax': ['error', { selector: `:matches(ImportExpression, TSImportType) > Literal.source[value=${selector}]`, message }],
    },
  };
}

const FRONT_END_MESSAGE = 'The front ends (extension, server, cli, webview) never import each other: put what they share in src/core or src/shared.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'test-results/**', 'media/vendor/**', '**/*.mjs', '**/*.js', '**/*.cjs', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-imports': 'off',
    },
  },
  layer('core', {
    forbidden: FRONT_ENDS,
    message: 'src/core is the headless engine: it never imports a front end (extension, server, cli, webview).',
    paths: [{ name: 'vscode', message: 'src/core is headless: it never imports vscode.' }],
  }),
  layer('shared', {
    forbidden: FRONT_ENDS,
    message: 'src/shared holds what the front ends share, on top of src/core: it never imports a front end.',
    paths: [VSCODE, ...NODE_BUILTINS],
    patterns: [NODE_PREFIX],
  }),
  layer('extension', { forbidden: ['server', 'cli', 'webview'], message: FRONT_END_MESSAGE }),
  layer('server', { forbidden: ['extension', 'cli', 'webview'], message: FRONT_END_MESSAGE, paths: [VSCODE] }),
  layer('cli', { forbidden: ['extension', 'server', 'webview'], message: FRONT_END_MESSAGE, paths: [VSCODE] }),
  layer('webview', { forbidden: ['extension', 'server', 'cli'], message: FRONT_END_MESSAGE, paths: [VSCODE, ...NODE_BUILTINS], patterns: [NODE_PREFIX] }),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
