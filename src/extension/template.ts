/** The commented starting point written by "New Milestone". */
export function milestoneTemplate(id: string, title: string): string {
  return `# A milestone: tasks run by a team of agents, in parallel where dependencies allow.
# Hover a key for its documentation; the Problems panel checks the file as you type.
id: ${id}
title: ${JSON.stringify(title)}
type: development          # development | testing | deployment | custom
complexity: medium         # simple | medium | complex: the safety check's size budget
# branch: milestone/${id}  # where the git agent commits (this is the default)
executors: { min: 1, max: 4 }
git: { auto_commit: task } # task | threshold | off
requires: ["git"]          # tools that must be on PATH, e.g. "node >=18"

quality:
  # A gate runs after the tasks it names (or after all of them); failing fails the milestone.
  - { id: checks, run: "echo run your tests here", after: [build] }

tasks:
  - id: prepare
    title: Prepare the workspace
    run: echo preparing
  - id: build
    title: Build
    run: echo building
    depends_on: [prepare]
    timeout: 5m
    retries: 1
  # - id: implement
  #   title: Let an agent implement it
  #   agent: claude            # claude | codex | aider, or a profile under agents:
  #   prompt: Implement the feature described in docs/feature.md.
  #   depends_on: [prepare]
`;
}
