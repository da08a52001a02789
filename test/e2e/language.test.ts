import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { gitWorkspace, harness, launch, openFile, stopAfterSuite, waitForFileContent, type Session } from './support';

const BROKEN = `id: broken
title: Broken on purpose
tasks:
  - id: a
    run: echo a
    depends_on: [c]
  - id: b
    run: echo b
    depends_on: [a, nope]
  - id: c
    run: echo c
    depends_on: [b]
`;

const FINE = `id: fine
title: Fine so far
tasks:
  - id: first
    run: echo first
  - id: second
    run: echo second
    depends_on: [first]
`;

// Never opened by any test: its problem can only come from the server reading it from disk.
const UNOPENED = `id: unopened
title: Never opened
tasks:
  - id: only
    run: echo only
    depends_on: [ghost]
`;

function problemRow(page: Page, text: string | RegExp) {
  return page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
}

/**
 * Shows only one file's problems: the Problems list renders only the rows it has room for,
 * and with every milestone file of the workspace listed, a file's rows can fall below it.
 * Returns what clears the filter again.
 */
async function onlyProblemsOf(page: Page, file: string): Promise<() => Promise<void>> {
  const filter = page.locator('.markers-panel-container, .panel').getByPlaceholder(/^Filter \(e\.g\. text/).first();
  const others = page.locator('.markers-panel .monaco-list-row[aria-level="1"]').filter({ hasNotText: file }).first();
  // The filter applies after a short delay, once the view has taken the text: a fill that
  // lands while the panel is still being laid out is lost (seen once under load), so the
  // text is typed again until no other file's group is listed.
  for (let attempt = 1; ; attempt++) {
    await filter.fill(`**/${file}`);
    const applied = await others.waitFor({ state: 'detached', timeout: 20_000 }).then(() => true, () => false);
    if (applied) break;
    if (attempt === 3) throw new Error(`the Problems filter "**/${file}" did not apply (its box holds "${await filter.inputValue()}")`);
    await filter.fill('');
  }
  return () => filter.fill('');
}

describe('milestone files in a real editor: the language server', function () {
  let workspace: string;
  let s: Session;

  before(async function () {
    workspace = await gitWorkspace({ '.milestones/broken.yaml': BROKEN, '.milestones/fine.yaml': FINE, '.milestones/unopened.yaml': UNOPENED });
    s = await launch(workspace);
    await (await harness()).waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
  });

  stopAfterSuite(() => s);

  it('lists the problems of milestone files that were never opened in the Problems panel', async () => {
    const h = await harness();
    await h.runCommand(s.page, 'View: Focus Problems');
    // Room for every row: the list renders only the rows it has space for.
    await h.runCommand(s.page, 'View: Toggle Maximized Panel');
    try {
      await problemRow(s.page, 'depends on "ghost"').waitFor();
      await problemRow(s.page, 'depends on "nope"').waitFor();
      assert.equal(await s.page.locator('.tab', { hasText: /unopened\.yaml|broken\.yaml/ }).count(), 0, 'no test opened these files yet');
      const unopened = await h.problemsIn(s.page, 'unopened.yaml');
      assert.equal(unopened.length, 1, unopened.join('\n'));
      assert.match(unopened[0]!, /^Task "only" depends on "ghost", which is not a task in this milestone\..*unknown-dependency.*\[Ln 6, Col 18\]/);
      assert.equal((await h.problemsIn(s.page, 'broken.yaml')).length, 4);
      await s.shot('18-problems-of-unopened-files');
    } finally {
      await h.runCommand(s.page, 'View: Toggle Maximized Panel');
    }
  });

  it('shows a cycle and an unknown dependency in the Problems panel; a quick fix removes the unknown one', async () => {
    const h = await harness();
    await openFile(s.page, 'broken.yaml');
    await h.runCommand(s.page, 'View: Focus Problems');
    const clearFilter = await onlyProblemsOf(s.page, 'broken.yaml');
    await problemRow(s.page, 'Dependency cycle').waitFor();
    await problemRow(s.page, 'depends on "nope"').waitFor();
    const rows = await h.problemsIn(s.page, 'broken.yaml');
    assert.equal(rows.filter((r) => r.includes('Dependency cycle')).length, 3, `one per edge of the cycle:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => /a → c → b → a|a → b → c → a|c → b → a → c|b → a → c → b/.test(r)), rows.join('\n'));
    await s.shot('10-problems');

    // Go to the unknown dependency in the editor and apply the quick fix offered there.
    await s.page.locator('.monaco-editor .view-line span', { hasText: /^nope$/ }).first().click();
    // The light bulb shows once the server's code actions for the cursor are in.
    await s.page.locator('.monaco-editor .lightBulbWidget').first().waitFor();
    const fix = s.page.getByText('Remove "nope" from depends_on', { exact: true }).first();
    // A key press can be lost while a loaded editor is busy: ask for the menu again, twice at most.
    for (let attempt = 1; ; attempt++) {
      await s.page.keyboard.press('Control+.');
      const shown = await fix.waitFor({ timeout: 10_000 }).then(() => true, () => false);
      if (shown) break;
      if (attempt === 3) throw new Error('the quick fix menu did not list "Remove "nope" from depends_on" after three Ctrl+.');
      await s.page.keyboard.press('Escape');
    }
    await s.shot('11-quick-fix');
    await s.page.keyboard.press('Enter');
    await s.page.locator('.monaco-editor .view-line', { hasText: 'depends_on: [a]' }).first().waitFor();
    await problemRow(s.page, 'depends on "nope"').waitFor({ state: 'detached' });
    await problemRow(s.page, 'Dependency cycle').waitFor();
    await s.page.locator('.monaco-editor .view-line', { hasText: 'depends_on: [a]' }).first().click();
    await s.page.keyboard.press('Control+S');
    const saved = await waitForFileContent(path.join(workspace, '.milestones', 'broken.yaml'), (t) => t.includes('depends_on: [a]\n') && !t.includes('nope'));
    assert.match(saved, /depends_on: \[a\]\n/);
    await clearFilter();
  });

  it('a cycle typed into a valid milestone file shows up in the Problems panel', async () => {
    const h = await harness();
    await openFile(s.page, 'fine.yaml');
    // Give "first" a dependency on "second", right below its `run:` line.
    await s.page.locator('.monaco-editor .view-line', { hasText: 'run: echo first' }).first().click();
    await s.page.keyboard.press('End');
    await s.page.keyboard.press('Enter');
    await s.page.keyboard.type('depends_on: [second]');
    await h.runCommand(s.page, 'View: Focus Problems');
    const clearFilter = await onlyProblemsOf(s.page, 'fine.yaml');
    await problemRow(s.page, /Dependency cycle (first → second → first|second → first → second)/).waitFor();
    await s.shot('12-cycle-typed');
    await clearFilter();
  });
});
