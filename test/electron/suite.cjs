// Runs inside the VS Code desktop's extension host (see run.mjs).
const assert = require('node:assert/strict');
const vscode = require('vscode');

exports.run = async function run() {
  const ext = vscode.extensions.getExtension('milestone-agents.milestone-agents');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const registered = new Set(await vscode.commands.getCommands(true));
  for (const c of ext.packageJSON.contributes.commands) assert.ok(registered.has(c.command), `${c.command} is registered`);
  console.log(`test:electron: the extension activated and registered ${ext.packageJSON.contributes.commands.length} commands`);
};
