// The one description of the milestone format. The parser checks against it, the language
// server completes and documents from it, and the JSON Schema for `yamlValidation` is
// generated from it, so the three cannot drift apart.

export interface EnumValue {
  value: string;
  doc: string;
}

export type FieldSpec =
  | { type: 'string'; doc: string; format?: 'id' | 'branch' | 'requirement' | 'command' | 'path' | 'text'; enum?: readonly EnumValue[] }
  | { type: 'integer'; doc: string; minimum: number }
  /** A number greater than `above`, e.g. an amount of US dollars. */
  | { type: 'number'; doc: string; above: number }
  | { type: 'boolean'; doc: string }
  | { type: 'duration'; doc: string }
  | { type: 'object'; doc: string; fields: Readonly<Record<string, FieldSpec>>; required?: readonly string[] }
  | { type: 'array'; doc: string; items: FieldSpec }
  | { type: 'map'; doc: string; values: FieldSpec; keys: 'profile' | 'env' }
  /** One of two shapes, told apart by the node: a list (`array`) or a mapping (`object`). */
  | { type: 'listOrObject'; doc: string; list: FieldSpec & { type: 'array' }; object: FieldSpec & { type: 'object' } };

/** An enum's values in order, each with the documentation completion and hover show. */
function enumValues(docs: Readonly<Record<string, string>>): readonly EnumValue[] {
  return Object.entries(docs).map(([value, doc]) => ({ value, doc }));
}

export const MILESTONE_TYPES = enumValues({
  development: 'Builds a feature: git integration, safety checks and quality gates are deployed.',
  testing: 'Runs test suites: quality gates are the point, no complexity triage.',
  deployment: 'Ships something: git integration and quality gates, risky commands are refused unless allowed.',
  custom: 'Only the agents the file asks for (executors, and gates or git when configured).',
});

export const COMPLEXITIES = enumValues({
  simple: 'Budget: 10 files, 300 changed lines, no new dependencies.',
  medium: 'Budget: 40 files, 2,000 changed lines.',
  complex: 'Budget: 200 files, 20,000 changed lines.',
});

export const AUTO_COMMIT_MODES = enumValues({
  task: 'Commit after every completed task that changed files.',
  threshold: 'Commit when more than `threshold` files have changed.',
  off: 'Never commit automatically; only the final commit.',
});

export const FAILURE_POLICIES = enumValues({
  continue: "Skip a failed task's dependents, finish the independent tasks, then fail the milestone.",
  stop: 'Cancel everything still running at the first failure.',
});

export const ON_RESUME = enumValues({
  continue: "Continue the agent's conversation where it stopped (Claude Code's `--resume <session id>`).",
  restart: 'Start the agent afresh, with the original prompt.',
});

export const ADAPTERS = enumValues({
  claude: "Claude Code: runs it with `--output-format stream-json`, shows its actions, cost and retries, keeps its session id to continue it.",
  codex: 'Codex (`codex exec --json`): shows its actions and tokens; its cost is unknown.',
  generic: 'Any other program: its output goes to the log, and its exit code decides.',
});

export const ISOLATIONS = enumValues({
  worktree: 'Runs in a git worktree of its own, on its own branch; its result is merged into the milestone branch when it completes.',
  shared: "Runs in the milestone's integration worktree, with the other shared tasks.",
});

/** Task fields only an agent task uses, and of those, the ones only Claude Code understands. */
export const AGENT_ONLY_FIELDS: readonly string[] = ['budget_usd', 'allowed_tools', 'verify', 'expect_changes', 'on_resume'];
export const CLAUDE_ONLY_FIELDS: readonly string[] = ['budget_usd', 'allowed_tools'];

const idField = (doc: string): FieldSpec => ({ type: 'string', format: 'id', doc });
const idList = (doc: string): FieldSpec => ({ type: 'array', doc, items: idField('A task id.') });
/**
 * The milestone, a task and a gate each have an id others refer to and a title people read;
 * their own fields follow these two.
 */
function identified(
  about: { doc: string; id: string; title: string; required: readonly string[] },
  fields: Readonly<Record<string, FieldSpec>>,
): FieldSpec & { type: 'object' } {
  return {
    type: 'object',
    doc: about.doc,
    required: ['id', ...about.required],
    fields: { id: idField(about.id), title: { type: 'string', format: 'text', doc: about.title }, ...fields },
  };
}

const PROFILE_COMMAND: FieldSpec & { type: 'array' } = { type: 'array', doc: 'Argument vector, e.g. `["claude", "-p", "{prompt}"]`.', items: { type: 'string', doc: 'One argument.' } };

const requirementList: FieldSpec = {
  type: 'array',
  doc: 'Tools that must be on PATH, each with an optional semver range, e.g. `node >=18` or `git`.',
  items: { type: 'string', format: 'requirement', doc: 'A tool name and an optional semver range.' },
};

export const TASK_SPEC: FieldSpec = identified(
  {
    doc: 'One unit of work: a shell command (`run`) or an AI coding-agent run (`agent` + `prompt`).',
    id: 'Unique task id; used in `depends_on`, log file names and commit messages.',
    title: 'What the task does, in a few words.',
    required: [],
  },
  {
    description: { type: 'string', format: 'text', doc: 'Longer notes for people reading the milestone.' },
    run: { type: 'string', format: 'command', doc: 'Shell command, run with `/bin/sh -c` in its own process group.' },
    agent: { type: 'string', doc: 'Agent profile to run (`claude`, `codex`, `aider` or one from `agents`).' },
    prompt: { type: 'string', format: 'text', doc: 'Prompt passed to the agent profile as one argument, never through a shell.' },
    depends_on: idList('Tasks that must complete before this one starts.'),
    requires: requirementList,
    cwd: { type: 'string', format: 'path', doc: 'Working directory relative to the workspace; must stay inside it.' },
    env: {
      type: 'map',
      keys: 'env',
      doc: 'Extra environment variables for the task.',
      values: { type: 'string', doc: 'Value (numbers and booleans are turned into text).' },
    },
    timeout: { type: 'duration', doc: 'Kill the task after this long, e.g. `90s`, `2m`, `1h`.' },
    retries: { type: 'integer', minimum: 0, doc: 'How many times to retry a failed run (exponential backoff).' },
    rollback: { type: 'string', format: 'command', doc: 'Shell command that undoes this task; run in reverse order when a failed milestone is rolled back.' },
    allow_risky: { type: 'boolean', doc: 'Allow a command the safety check considers risky (e.g. `git push --force`).' },
    isolation: { type: 'string', enum: ISOLATIONS, doc: "Where the task runs (default: the milestone's `isolation`; else `worktree` for agent tasks and `shared` for shell tasks)." },
    touches: { type: 'array', doc: 'Globs of the paths this task changes, e.g. `src/auth/**`: two tasks whose globs overlap never run at the same time.', items: { type: 'string', format: 'path', doc: 'A glob relative to the workspace.' } },
    setup: { type: 'string', format: 'command', doc: "Shell command run in the task's fresh worktree before the task (overrides the milestone's `setup`)." },
    review: { type: 'boolean', doc: "The task's result is merged only once you approve it (Approve / Reject in the editor, `milestone-agents review` in the CLI)." },
    budget_usd: { type: 'number', above: 0, doc: "The most this agent run may spend, in US dollars (Claude Code's `--max-budget-usd`); over it, the task fails saying so." },
    allowed_tools: { type: 'array', doc: "Tools the agent may use without asking (Claude Code's `--allowedTools`), e.g. `Bash(npm test:*)` or `Write`.", items: { type: 'string', doc: 'A tool name, with an optional pattern in parentheses.' } },
    verify: { type: 'string', format: 'command', doc: "Shell command run after the agent, in the task's working tree: the task completes only if it passes." },
    expect_changes: { type: 'boolean', doc: 'The task fails when its agent changed no file (default false).' },
    on_resume: { type: 'string', enum: ON_RESUME, doc: "What a resume does with an agent run that was interrupted (default `continue`)." },
  },
);

export const GATE_SPEC: FieldSpec = identified(
  {
    doc: 'A quality gate: a command (tests, type checks) whose failure can fail the milestone.',
    id: 'Unique gate id (distinct from task ids).',
    title: 'What the gate checks.',
    required: ['run'],
  },
  {
    run: { type: 'string', format: 'command', doc: 'Shell command; exit code 0 passes the gate.' },
    after: idList('Run the gate as soon as these tasks complete; without it, the gate runs after all tasks.'),
    blocking: { type: 'boolean', doc: 'A failing blocking gate fails the milestone (default true).' },
    timeout: { type: 'duration', doc: 'Kill the gate after this long.' },
  },
);

export const MILESTONE_SPEC: FieldSpec & { type: 'object' } = identified(
  {
    doc: 'A milestone: a graph of tasks run by a team of agents.',
    id: 'Milestone id; the file should be `.milestones/<id>.yaml`.',
    title: 'Human title shown in the editor and the CLI.',
    required: ['tasks'],
  },
  {
    description: { type: 'string', format: 'text', doc: 'Longer notes.' },
    type: { type: 'string', enum: MILESTONE_TYPES, doc: 'Decides which agents are deployed.' },
    complexity: { type: 'string', enum: COMPLEXITIES, doc: 'Declared size; the safety check warns when the change outgrows it.' },
    branch: { type: 'string', format: 'branch', doc: 'Git branch for the work (default `milestone/<id>`).' },
    executors: {
      type: 'object',
      doc: 'How many task executors may run at once.',
      fields: {
        min: { type: 'integer', minimum: 1, doc: 'Executors kept alive (default 1).' },
        max: { type: 'integer', minimum: 1, doc: 'Upper limit (default: number of CPUs).' },
      },
    },
    git: {
      type: 'object',
      doc: 'Git integration.',
      fields: {
        auto_commit: { type: 'string', enum: AUTO_COMMIT_MODES, doc: 'When to commit automatically (default `task`).' },
        threshold: { type: 'integer', minimum: 1, doc: 'Changed-file count that triggers a commit in `threshold` mode (default 10).' },
        push: { type: 'boolean', doc: 'Push the branch to its upstream (or `origin`) at the end (default false).' },
        in_place: { type: 'boolean', doc: 'Check out the milestone branch in your own working tree and run every task there, as before worktrees (default false: your checkout is never touched).' },
      },
    },
    requires: requirementList,
    quality: { type: 'array', doc: 'Quality gates.', items: GATE_SPEC },
    agents: {
      type: 'map',
      keys: 'profile',
      doc: 'Agent profiles: a name and the argument vector to run, with `{prompt}` where the prompt goes; or `{ adapter, command }`.',
      values: {
        type: 'listOrObject',
        doc: 'Argument vector, e.g. `["claude", "-p", "{prompt}"]` (the adapter follows from the program\'s name), or `{ adapter: claude, command: [...] }`.',
        list: PROFILE_COMMAND,
        object: {
          type: 'object',
          doc: 'A profile with its adapter named.',
          required: ['command'],
          fields: {
            adapter: { type: 'string', enum: ADAPTERS, doc: "How the engine reads the agent's output (default: from the program's name)." },
            command: PROFILE_COMMAND,
          },
        },
      },
    },
    budget_usd: { type: 'number', above: 0, doc: 'No new agent task starts once the agents of the session have spent this much, in US dollars: the session pauses until you raise it.' },
    isolation: { type: 'string', enum: ISOLATIONS, doc: 'Default isolation of the tasks (default: `worktree` for agent tasks, `shared` for shell tasks).' },
    setup: { type: 'string', format: 'command', doc: 'Shell command run in every fresh task worktree before its task, e.g. `npm ci`, with its own log.' },
    on_failure: { type: 'string', enum: FAILURE_POLICIES, doc: 'What a task failure does to the rest (default `continue`).' },
    stall_after: { type: 'duration', doc: 'Raise an alert when a running task prints nothing for this long (default 5m).' },
    tasks: { type: 'array', doc: 'The tasks of the milestone.', items: TASK_SPEC },
  },
);

/** The spec at a path of keys (array indexes are skipped), for completion and hover. */
export function specAt(path: readonly (string | number)[]): FieldSpec | undefined {
  let spec: FieldSpec | undefined = MILESTONE_SPEC;
  for (const seg of path) {
    if (!spec) return undefined;
    // A list or an object: the next key says which (an index goes into the list).
    if (spec.type === 'listOrObject') spec = typeof seg === 'number' ? spec.list : spec.object;
    if (typeof seg === 'number') {
      spec = spec.type === 'array' ? spec.items : undefined;
    } else if (spec.type === 'object') {
      spec = spec.fields[seg];
    } else if (spec.type === 'map') {
      spec = spec.values;
    } else if (spec.type === 'array') {
      spec = spec.items.type === 'object' ? spec.items.fields[seg] : undefined;
    } else {
      return undefined;
    }
  }
  return spec;
}

/** JSON Schema (draft-07) for editors that validate YAML with one, e.g. the Red Hat YAML extension. */
export function toJsonSchema(spec: FieldSpec = MILESTONE_SPEC): Record<string, unknown> {
  const base = { description: spec.doc };
  switch (spec.type) {
    case 'string':
      if (spec.enum) return { ...base, type: 'string', enum: spec.enum.map((e) => e.value) };
      if (spec.format === 'id') return { ...base, type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' };
      return { ...base, type: 'string' };
    case 'integer':
      return { ...base, type: 'integer', minimum: spec.minimum };
    case 'number':
      return { ...base, type: 'number', exclusiveMinimum: spec.above };
    case 'listOrObject':
      return { ...base, oneOf: [toJsonSchema(spec.list), toJsonSchema(spec.object)] };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'duration':
      return { ...base, anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^((\\d+(\\.\\d+)?)(ms|s|m|h))+$|^\\d+(\\.\\d+)?$' }] };
    case 'array':
      return { ...base, type: 'array', items: toJsonSchema(spec.items) };
    case 'map':
      return {
        ...base,
        type: 'object',
        additionalProperties: spec.keys === 'env' ? { type: ['string', 'number', 'boolean'] } : toJsonSchema(spec.values),
      };
    case 'object': {
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(spec.fields)) properties[k] = toJsonSchema(v);
      const schema: Record<string, unknown> = { ...base, type: 'object', properties, additionalProperties: false };
      if (spec.required?.length) schema.required = [...spec.required];
      return spec === MILESTONE_SPEC ? { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Milestone', ...schema } : schema;
    }
  }
}
