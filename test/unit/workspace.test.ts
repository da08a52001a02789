import { strict as assert } from 'node:assert';
import { isInside, isMilestoneFile, workspaceOf } from '../../src/core/milestone/workspace';

describe('milestone/workspace', () => {
  it('workspaceOf is the folder holding .milestones, or the file\'s own folder', () => {
    assert.equal(workspaceOf('/work/proj/.milestones/m.yaml'), '/work/proj');
    assert.equal(workspaceOf('/work/proj/drafts/m.yaml'), '/work/proj/drafts');
  });

  it('isInside accepts the root and what is below it, nothing else', () => {
    assert.equal(isInside('/w', '/w'), true);
    assert.equal(isInside('/w', '/w/a/b'), true);
    assert.equal(isInside('/w', '/w/..a'), true, 'a name starting with dots is still inside');
    assert.equal(isInside('/w', '/'), false);
    assert.equal(isInside('/w', '/w2'), false);
    assert.equal(isInside('/w/a', '/w/b'), false);
  });

  it('isMilestoneFile recognises YAML files directly in .milestones', () => {
    assert.equal(isMilestoneFile('/w/.milestones/m.yaml'), true);
    assert.equal(isMilestoneFile('/w/.milestones/m.yml'), true);
    assert.equal(isMilestoneFile('/w/.milestones/sessions/s.yaml'), false);
    assert.equal(isMilestoneFile('/w/.milestones/notes.md'), false);
    assert.equal(isMilestoneFile('/w/m.yaml'), false);
  });
});
