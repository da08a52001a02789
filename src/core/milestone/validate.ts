import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { isValidBranchName } from '../ids';
import type { Diagnostic, DiagnosticCode, Range, Severity } from './diagnostics';
import { ZERO_RANGE } from './diagnostics';
import { buildGraph, findCycles } from './graph';
import { usesGit, type AdapterKind, type Milestone, type Task } from './model';
import { parseMilestoneText, type ParsedMilestone, type PathSegment } from './parse';
import { AGENT_ONLY_FIELDS, CLAUDE_ONLY_FIELDS } from './schema';
import { isAgentProfile, passesPrompt, resolveProfiles } from './profiles';
import { findRiskyCommand } from './risky';
import { suggest } from './suggest';
import { ToolChecker, TOOL_NAME } from './tools';
import { isInside, realPath, workspaceOf } from './workspace';


/** The milestone file could not be read (missing, a folder, no permission): the message says which and why. */
export class MilestoneUnreadableError extends Error {}

export interface ValidateOptions {
  /** Root that `cwd` must stay inside; defaults to the folder holding `.milestones/`. */
  workspace?: string;
  /** Extra agent profiles (e.g. from the editor's settings). */
  profiles?: Record<string, readonly string[]>;
}

export interface ValidationResult {
  parsed: ParsedMilestone;
  milestone: Milestone;
  diagnostics: Diagnostic[];
}

class Reporter {
  constructor(
    readonly parsed: ParsedMilestone,
    readonly out: Diagnostic[],
  ) {}

  at(p: readonly PathSegment[], part: 'value' | 'key' = 'value'): Range {
    return this.parsed.rangeOf(p, part) ?? this.parsed.rangeOf(p.slice(0, -1), part) ?? ZERO_RANGE;
  }

  add(p: readonly PathSegment[], severity: Severity, code: DiagnosticCode, message: string, data?: Record<string, unknown>, part: 'value' | 'key' = 'value'): void {
    this.out.push({ file: this.parsed.file, range: this.at(p, part), severity, code, message, ...(data ? { data } : {}) });
  }
}

const line = (r: Range): number => r.start.line + 1;

/** Meaning-level checks that need no I/O: ids, references, cycles, commands, paths. */
export function checkSemantics(parsed: ParsedMilestone, options: ValidateOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const r = new Reporter(parsed, out);
  const m = parsed.milestone;
  const workspace = path.resolve(options.workspace ?? workspaceOf(parsed.file));

  const stem = path.basename(parsed.file).replace(/\.ya?ml$/, '');
  if (path.basename(path.dirname(parsed.file)) === '.milestones' && parsed.rangeOf(['id']) && stem !== m.id) {
    r.add(['id'], 'warning', 'id-mismatch', `The milestone id "${m.id}" differs from the file name "${path.basename(parsed.file)}": rename the file to ${m.id}.yaml or change the id, so both name the same milestone.`);
  }
  if (parsed.rangeOf(['branch']) && !isValidBranchName(m.branch)) {
    r.add(['branch'], 'error', 'invalid-value', `Branch "${m.branch}" is not a safe branch name: use up to 4 "/"-separated parts of letters, digits, ".", "_" or "-".`);
  }
  if (m.executors.min > m.executors.max) {
    r.add(['executors', 'min'], 'error', 'invalid-value', `executors.min (${m.executors.min}) is larger than executors.max (${m.executors.max}): lower min or raise max.`);
  }

  // Ids: tasks and gates share one namespace because both name a log file.
  const firstAt = new Map<string, Range>();
  const taskIds = new Set<string>();
  m.tasks.forEach((t, i) => {
    if (!parsed.rangeOf(['tasks', i, 'id'])) return;
    const seen = firstAt.get(t.id);
    if (seen) {
      r.add(['tasks', i, 'id'], 'error', 'duplicate-id', `Task id "${t.id}" is already used on line ${line(seen)}: give this task another id.`, { id: t.id, first: seen });
    } else {
      firstAt.set(t.id, r.at(['tasks', i, 'id']));
      taskIds.add(t.id);
    }
  });
  m.quality.forEach((g, i) => {
    if (!parsed.rangeOf(['quality', i, 'id'])) return;
    const seen = firstAt.get(g.id);
    if (seen) {
      r.add(['quality', i, 'id'], 'error', 'duplicate-id', `Gate id "${g.id}" is already used on line ${line(seen)} (task and gate ids share log files): choose another id.`, { id: g.id, first: seen });
    } else {
      firstAt.set(g.id, r.at(['quality', i, 'id']));
    }
  });

  // Isolation needs a branch to merge into, and is switched off in place.
  const noIsolation = !usesGit(m) ? `this ${m.type} milestone does not use git, so tasks run in the workspace. Add a git: block (or use type: development) to isolate them` : m.git.inPlace ? 'git.in_place is true, so every task runs in your working tree. Remove in_place to isolate tasks' : undefined;
  if (noIsolation && parsed.rangeOf(['isolation']) && m.tasks.some((t, i) => t.isolation === 'worktree' && !parsed.rangeOf(['tasks', i, 'isolation']))) {
    r.add(['isolation'], 'warning', 'isolation-ignored', `isolation: worktree has no effect: ${noIsolation}.`);
  }
  m.tasks.forEach((t, i) => {
    if (noIsolation && parsed.rangeOf(['tasks', i, 'isolation']) && t.isolation === 'worktree') {
      r.add(['tasks', i, 'isolation'], 'warning', 'isolation-ignored', `Task "${t.id}" asks for isolation: worktree, which has no effect: ${noIsolation}.`);
    }
    if (t.review && parsed.rangeOf(['tasks', i, 'review']) && (noIsolation || t.isolation !== 'worktree')) {
      r.add(['tasks', i, 'review'], 'warning', 'isolation-ignored', `Task "${t.id}" is not isolated, so it has no separate result to review before a merge: review: true has no effect. Give it isolation: worktree.`);
    }
  });

  const known = [...taskIds];
  const checkRefs = (list: readonly string[], base: PathSegment[], owner: string): void => {
    list.forEach((dep, j) => {
      if (dep === undefined || taskIds.has(dep)) return;
      const hint = suggest(dep, known);
      r.add([...base, j], 'error', 'unknown-dependency', `${owner} depends on "${dep}", which is not a task in this milestone.${hint ? ` Did you mean "${hint}"?` : ' Remove it or add a task with that id.'}`, { dependency: dep, ...(hint ? { suggestion: hint } : {}) });
    });
  };
  m.tasks.forEach((t, i) => checkRefs(t.dependsOn, ['tasks', i, 'depends_on'], `Task "${t.id}"`));
  m.quality.forEach((g, i) => checkRefs(g.after, ['quality', i, 'after'], `Gate "${g.id}"`));

  // Cycles: every edge of each cycle gets the whole cycle in its message.
  const graph = buildGraph(m.tasks);
  const indexOf = new Map<string, number>();
  m.tasks.forEach((t, i) => indexOf.has(t.id) || indexOf.set(t.id, i));
  for (const cycle of findCycles(graph)) {
    const text = cycle.join(' → ');
    for (let k = 0; k + 1 < cycle.length; k++) {
      const from = cycle[k]!;
      const to = cycle[k + 1]!;
      const i = indexOf.get(from);
      if (i === undefined) continue;
      const j = m.tasks[i]!.dependsOn.indexOf(to);
      r.add(['tasks', i, 'depends_on', j], 'error', 'dependency-cycle', `Dependency cycle ${text}: remove one of these depends_on entries (here "${from}" depends on "${to}").`, { cycle, from, to });
    }
  }

  const profiles = resolveProfiles(m.agents, options.profiles);
  for (const [name, { command: argv }] of Object.entries(m.agents)) {
    if (!isAgentProfile(argv)) {
      r.add(['agents', name], 'error', 'invalid-value', `Agent profile "${name}" has no command: write its argument vector, e.g. ["${name}", "-p", "{prompt}"].`);
    } else if (!passesPrompt(argv)) {
      r.add(['agents', name], 'warning', 'invalid-value', `Agent profile "${name}" has no {prompt} argument, so the task's prompt is never passed: add "{prompt}" where it goes.`);
    }
  }

  m.tasks.forEach((t, i) => {
    const at = (k: string): PathSegment[] => ['tasks', i, k];
    const hasRun = parsed.rangeOf(at('run')) !== undefined && t.run !== undefined;
    const hasAgent = parsed.rangeOf(at('agent')) !== undefined && t.agent !== undefined;
    if (!hasRun && !hasAgent && parsed.rangeOf(['tasks', i])) {
      r.add(at('id'), 'error', 'task-command', `Task "${t.id}" has nothing to do: add \`run:\` (a shell command) or \`agent:\` with \`prompt:\`.`);
    }
    if (hasRun && hasAgent) {
      r.add(at('agent'), 'error', 'task-command', `Task "${t.id}" has both \`run\` and \`agent\`: keep one (split it into two tasks if both are needed).`);
    }
    if (hasAgent && t.prompt === undefined) {
      r.add(at('agent'), 'error', 'task-command', `Task "${t.id}" runs agent "${t.agent}" without a prompt: add \`prompt:\`.`);
    }
    if (!hasAgent && t.prompt !== undefined) {
      r.add(at('prompt'), 'warning', 'task-command', `Task "${t.id}" has a prompt but no \`agent\`, so the prompt is unused: add \`agent: claude\` (or another profile).`);
    }
    if (hasAgent && t.agent && !profiles[t.agent]) {
      const hint = suggest(t.agent, Object.keys(profiles));
      r.add(at('agent'), 'error', 'unknown-agent-profile', `Agent profile "${t.agent}" is not defined.${hint ? ` Did you mean "${hint}"?` : ''} Known profiles: ${Object.keys(profiles).join(', ')}; define others under \`agents:\`.`, hint ? { suggestion: hint } : undefined);
    }
    agentOnlyFields(t, i, hasAgent ? profiles[t.agent ?? '']?.adapter : undefined, parsed, r);
    for (const k of ['run', 'rollback'] as const) {
      const cmd = t[k];
      const risk = cmd ? findRiskyCommand(cmd, workspace) : undefined;
      if (risk && !t.allowRisky) {
        r.add(at(k), 'error', 'risky-command', `The ${k} command of task "${t.id}" ${risk.reason}: refused. Change the command, or add \`allow_risky: true\` to the task if it is really intended.`, { reason: risk.reason });
      }
    }
    if (t.cwd !== undefined) {
      const target = path.resolve(workspace, t.cwd);
      if (!isInside(workspace, target)) {
        r.add(at('cwd'), 'error', 'cwd-outside-workspace', `Task "${t.id}" has cwd "${t.cwd}", which is outside the workspace ${workspace}: use a path inside it.`);
      } else if (!isInside(realPath(workspace), realPath(target))) {
        r.add(at('cwd'), 'error', 'cwd-outside-workspace', `Task "${t.id}" has cwd "${t.cwd}", which leads outside the workspace through a symbolic link (to ${realPath(target)}): use a real folder inside the workspace.`);
      }
    }
  });
  m.quality.forEach((g, i) => {
    const risk = g.run ? findRiskyCommand(g.run, workspace) : undefined;
    if (risk) r.add(['quality', i, 'run'], 'error', 'risky-command', `The command of gate "${g.id}" ${risk.reason}: refused. Change the command.`, { reason: risk.reason });
  });

  const checkRequirementSyntax = (list: readonly { name: string; range?: string }[], base: PathSegment[]): void => {
    list.forEach((req, j) => {
      if (!TOOL_NAME.test(req.name)) {
        r.add([...base, j], 'error', 'invalid-requirement', `"${req.name}" is not a tool name: write the program's name, e.g. "node >=18".`);
      } else if (req.range && !semver.validRange(req.range)) {
        r.add([...base, j], 'error', 'invalid-requirement', `"${req.range}" is not a semver range: write e.g. ">=18", "^2.30" or "18.x".`);
      }
    });
  };
  checkRequirementSyntax(m.requires, ['requires']);
  m.tasks.forEach((t, i) => checkRequirementSyntax(t.requires, ['tasks', i, 'requires']));
  return out;
}

/** Tools named in `requires` (and the programs of the agent profiles in use) on PATH, in range. */
export async function checkTools(parsed: ParsedMilestone, checker: ToolChecker, options: ValidateOptions & { envPath?: string } = {}): Promise<Diagnostic[]> {
  const m = parsed.milestone;
  const out: Diagnostic[] = [];
  const r = new Reporter(parsed, out);
  const jobs: Promise<void>[] = [];
  const envPath = options.envPath ?? process.env.PATH ?? '';
  const requirement = (req: { raw: string; name: string; range?: string }, p: PathSegment[]): void => {
    if (!TOOL_NAME.test(req.name) || (req.range && !semver.validRange(req.range))) return;
    jobs.push(
      checker.check(req, envPath).then((res) => {
        if (res.status === 'missing') {
          r.add(p, 'error', 'tool-missing', `Required tool "${req.name}" is not on PATH: install it, or add its folder to PATH, then validate again.`, { tool: req.name });
        } else if (res.status === 'version') {
          const found = res.version ? `${res.name} ${res.version}` : `a version of ${res.name} that \`${res.name} --version\` does not print`;
          r.add(p, 'error', 'tool-version', `Required "${req.raw}" but found ${found} at ${res.path}: install a version in ${res.range}.`, { tool: req.name, ...(res.version ? { version: res.version } : {}) });
        }
      }),
    );
  };
  m.requires.forEach((req, j) => requirement(req, ['requires', j]));
  m.tasks.forEach((t, i) => t.requires.forEach((req, j) => requirement(req, ['tasks', i, 'requires', j])));
  const profiles = resolveProfiles(m.agents, options.profiles);
  m.tasks.forEach((t, i) => {
    const program = t.agent ? profiles[t.agent]?.command[0] : undefined;
    if (!program || !parsed.rangeOf(['tasks', i, 'agent'])) return;
    if (program.includes('/')) {
      const abs = path.resolve(workspaceOf(parsed.file), program);
      jobs.push(
        fs.access(abs).then(
          () => undefined,
          () => r.add(['tasks', i, 'agent'], 'error', 'tool-missing', `Agent profile "${t.agent}" runs ${abs}, which does not exist: fix the profile's command.`, { tool: program }),
        ),
      );
      return;
    }
    jobs.push(
      checker.check({ raw: program, name: program }, envPath).then((res) => {
        if (res.status === 'missing') {
          r.add(['tasks', i, 'agent'], 'error', 'tool-missing', `Agent profile "${t.agent}" runs \`${program}\`, which is not on PATH: install it or point the profile at another command under \`agents:\`.`, { tool: program });
        }
      }),
    );
  });
  await Promise.all(jobs);
  return out;
}

const sharedChecker = new ToolChecker();

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** Meaning-level checks assume the YAML itself parsed; after a syntax error they would only add noise. */
export function isWellFormed(parsed: ParsedMilestone): boolean {
  return !parsed.diagnostics.some((d) => d.code === 'yaml-syntax' && d.severity === 'error');
}

/** Everything `validateMilestoneText` checks except tools: no I/O, so an editor can run it on every change. */
export function checkWithoutTools(parsed: ParsedMilestone, options: ValidateOptions = {}): Diagnostic[] {
  return sortDiagnostics([...parsed.diagnostics, ...(isWellFormed(parsed) ? checkSemantics(parsed, options) : [])]);
}

/** Parse + shape + meaning + tools: everything `validate` and the engine check before a run. */
export async function validateMilestoneText(text: string, file: string, options: ValidateOptions & { tools?: boolean; checker?: ToolChecker; envPath?: string } = {}): Promise<ValidationResult> {
  const parsed = parseMilestoneText(text, file);
  const diagnostics = [...parsed.diagnostics];
  if (isWellFormed(parsed)) {
    diagnostics.push(...checkSemantics(parsed, options));
    if (options.tools !== false) diagnostics.push(...(await checkTools(parsed, options.checker ?? sharedChecker, options)));
  }
  return { parsed, milestone: parsed.milestone, diagnostics: sortDiagnostics(diagnostics) };
}

export async function validateMilestoneFile(file: string, options: ValidateOptions & { tools?: boolean; checker?: ToolChecker; envPath?: string } = {}): Promise<ValidationResult> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    throw new MilestoneUnreadableError(`Cannot read milestone file ${abs}: ${why}.`, { cause: err });
  }
  return validateMilestoneText(text, abs, options);
}

/**
 * Fields that only an agent task (or only Claude Code) understands: said where they would
 * otherwise do nothing, rather than silently ignored.
 */
function agentOnlyFields(t: Task, i: number, adapter: AdapterKind | undefined, parsed: ParsedMilestone, r: Reporter): void {
  const given = (k: string): boolean => parsed.rangeOf(['tasks', i, k]) !== undefined;
  for (const k of AGENT_ONLY_FIELDS) {
    if (given(k) && adapter === undefined) r.add(['tasks', i, k], 'warning', 'agent-only', `Task "${t.id}" is not an agent task, so \`${k}\` does nothing: remove it, or give the task \`agent:\` and \`prompt:\`.`);
  }
  if (adapter === undefined || adapter === 'claude') return;
  for (const k of CLAUDE_ONLY_FIELDS) {
    if (given(k)) r.add(['tasks', i, k], 'warning', 'agent-only', `\`${k}\` is passed on to Claude Code only; agent profile "${t.agent ?? ''}" uses the ${adapter} adapter, which has no such option: remove it, or use a Claude Code profile.`);
  }
}
