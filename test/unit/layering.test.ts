import { strict as assert } from 'node:assert';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from './helpers';

// The layering rules live in eslint.config.mjs as path patterns; a pattern that matches
// nothing fails silently, so each one is run here against the imports it must catch and the
// ones it must let through.
describe('eslint layering rules', function () {
  // Loading the config and the TypeScript parser is the slow part, once for all cases.
  this.timeout(30_000);

  // The snippets are not on disk, so the type-aware rules (which need the file in a
  // tsconfig) are switched off; the layering rules are syntactic and stay as configured.
  const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
  const LAYERING_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

  async function layeringErrors(filePath: string, code: string): Promise<string[]> {
    const config = (await eslint.calculateConfigForFile(filePath)) as { rules?: Record<string, unknown[]> } | undefined;
    // A file that no block covers (a typo in `files`) would pass every "allowed" case.
    assert.equal(config?.rules?.['no-restricted-imports']?.[0], 2, `${filePath} has the layering rule on`);
    const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
    assert.ok(result);
    assert.deepEqual(
      result.messages.filter((m) => m.fatal),
      [],
      `${filePath} parses`,
    );
    return result.messages.filter((m) => m.ruleId !== null && LAYERING_RULES.has(m.ruleId) && m.severity === 2).map((m) => m.message);
  }

  const forbidden: [file: string, code: string, says: RegExp][] = [
    ['src/core/foo.ts', "import { x } from '../extension/commands';", /headless engine/],
    ['src/core/session/foo.ts', "import type { X } from '../../server/protocol';", /headless engine/],
    ['src/core/coordinator/foo.ts', "export { main } from '../../cli/main';", /headless engine/],
    ['src/core/foo.ts', "import '../webview/dashboard';", /headless engine/],
    ['src/core/foo.ts', "import * as vscode from 'vscode';", /never imports vscode/],
    ['src/core/foo.ts', "export type T = import('../extension/commands').X;", /headless engine/],
    ['src/extension/foo.ts', "import { y } from '../server/server';", /never import each other/],
    ['src/extension/views/foo.ts', "import { y } from '../../cli/render';", /never import each other/],
    ['src/extension/foo.ts', "export const s = import('../server/server');", /never import each other/],
    ['src/server/foo.ts', "import { y } from '../cli/main';", /never import each other/],
    ['src/server/features/foo.ts', "import { y } from '../../extension/settings';", /never import each other/],
    ['src/server/foo.ts', "import * as vscode from 'vscode';", /extension host/],
    ['src/cli/foo.ts', "import { y } from '../webview/dashboard';", /never import each other/],
    ['src/cli/foo.ts', "import { y } from '../extension';", /never import each other/],
    ['src/webview/foo.ts', "import { y } from '../extension/commands';", /never import each other/],
    ['src/webview/foo.ts', "import * as fs from 'node:fs';", /browser page/],
    ['src/webview/foo.ts', "import * as path from 'path';", /browser page/],
    ['src/shared/foo.ts', "import { y } from '../extension/sessionManager';", /never imports a front end/],
    ['src/shared/foo.ts', "import { readFile } from 'fs/promises';", /browser page/],
    ['src/shared/foo.ts', "import * as vscode from 'vscode';", /extension host/],
  ];
  for (const [file, code, says] of forbidden) {
    it(`${file}: ${code} is an error`, async () => {
      const errors = await layeringErrors(file, code);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!, says);
    });
  }

  const allowed: [file: string, code: string][] = [
    ['src/extension/foo.ts', "import { isValidId } from '../core/ids';"],
    ['src/extension/views/foo.ts', "import type { SessionState } from '../../core/session/state';\nexport type S = import('../../core/session/state').SessionState;"],
    ['src/extension/views/foo.ts', "import { activate } from '../extension';"],
    ['src/extension/foo.ts', "import * as vscode from 'vscode';\nimport { LanguageClient } from 'vscode-languageclient/node';"],
    ['src/cli/foo.ts', "import { shownStatus } from '../shared/presentation';\nimport * as fs from 'node:fs';"],
    ['src/server/foo.ts', "import { createConnection } from 'vscode-languageserver/node';\nimport { analyse } from './analysis';"],
    ['src/server/features/foo.ts', "import { analyse } from '../analysis';\nimport { parse } from '../../core/milestone/parse';"],
    ['src/core/session/foo.ts', "import { promises as fs } from 'node:fs';\nimport { isValidId } from '../ids';"],
    ['src/shared/foo.ts', "import { isValidId } from '../core/ids';\nimport type { Liveness } from './presentation';"],
    ['src/webview/foo.ts', "import dagre from '@dagrejs/dagre';\nimport { applyEvent } from '../core/session/state';\nimport { shownStatus } from '../shared/presentation';"],
  ];
  for (const [file, code] of allowed) {
    it(`${file}: ${code.replaceAll('\n', ' ')} is allowed`, async () => {
      assert.deepEqual(await layeringErrors(file, code), []);
    });
  }
});
