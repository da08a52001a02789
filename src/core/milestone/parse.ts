import * as os from 'node:os';
import * as path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type ErrorCode, type Node, type YAMLError } from 'yaml';
import { ID_RULE, isValidId } from '../ids';
import { parseDuration } from '../duration';
import type { Diagnostic, DiagnosticCode, Range, Severity } from './diagnostics';
import { MILESTONE_SPEC, type FieldSpec } from './schema';
import { adapterOf } from './profiles';
import { DEFAULT_GIT_THRESHOLD, DEFAULT_STALL_AFTER_MS, type AdapterKind, type AgentProfile, type Isolation, type OnResume, type Milestone, type QualityGate, type Task, type ToolRequirement } from './model';
import { suggest } from './suggest';

export type PathSegment = string | number;

/** The result of reading one milestone file: the model (best effort) plus where everything is. */
export interface ParsedMilestone {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Built from whatever was well-formed; complete only when there are no errors. */
  milestone: Milestone;
  diagnostics: Diagnostic[];
  /** Range of the value at a path (e.g. ['tasks', 2, 'depends_on', 0]), or of its key. */
  rangeOf(pathSegments: readonly PathSegment[], part?: 'value' | 'key'): Range | undefined;
}

const pathKey = (p: readonly PathSegment[]): string => p.join('\u0000');

class Walker {
  readonly diagnostics: Diagnostic[] = [];
  readonly valueRanges = new Map<string, Range>();
  readonly keyRanges = new Map<string, Range>();

  constructor(
    private readonly file: string,
    private readonly lineCounter: LineCounter,
  ) {}

  range(node: { range?: [number, number, number] | null } | null | undefined): Range {
    const r = node?.range;
    if (!r) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return this.offsets(r[0], r[1]);
  }

  offsets(start: number, end: number): Range {
    const a = this.lineCounter.linePos(start);
    const b = this.lineCounter.linePos(end);
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  }

  report(range: Range, severity: Severity, code: DiagnosticCode, message: string, data?: Record<string, unknown>): void {
    this.diagnostics.push({ file: this.file, range, severity, code, message, ...(data ? { data } : {}) });
  }

  /** Checks a node against its spec; returns the plain value, or undefined when it is unusable. */
  check(node: unknown, spec: FieldSpec, at: PathSegment[], label: string): unknown {
    const n = node as Node | null;
    if (n && typeof n === 'object' && 'range' in n) this.valueRanges.set(pathKey(at), this.range(n));
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return undefined;
    switch (spec.type) {
      case 'object':
        return this.checkObject(n, spec, at, label);
      case 'array': {
        if (!isSeq(n)) return this.wrongType(n, label, 'a list (`- item` lines or `[a, b]`)');
        const out: unknown[] = [];
        n.items.forEach((item, i) => {
          const v = this.check(item, spec.items, [...at, i], itemLabel(label, item, i));
          if (v !== undefined) out.push(v);
          else if (spec.items.type !== 'object') out.push(undefined);
        });
        return out;
      }
      case 'map': {
        if (!isMap(n)) return this.wrongType(n, label, 'a mapping of names to values');
        const out: Record<string, unknown> = {};
        for (const pair of n.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (key === undefined) continue;
          this.keyRanges.set(pathKey([...at, key]), this.range(pair.key as Node));
          const keyOk = spec.keys === 'env' ? /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) : isValidId(key);
          if (!keyOk) {
            const rule = spec.keys === 'env' ? 'letters, digits and "_", not starting with a digit' : ID_RULE;
            this.report(this.range(pair.key as Node), 'error', spec.keys === 'env' ? 'invalid-value' : 'invalid-id', `"${key}" in ${label} is not a valid name: use ${rule}.`);
            continue;
          }
          const v = this.check(pair.value, spec.values, [...at, key], `${label}.${key}`);
          if (v !== undefined) out[key] = v;
        }
        return out;
      }
      case 'listOrObject':
        if (isSeq(n)) return this.check(n, spec.list, at, label);
        if (isMap(n)) return this.check(n, spec.object, at, label);
        return this.wrongType(n, label, 'a list of arguments, or a mapping with `command:`');
      default:
        return this.checkScalar(n, spec, label);
    }
  }

  private checkObject(n: Node, spec: FieldSpec & { type: 'object' }, at: PathSegment[], label: string): unknown {
    if (!isMap(n)) return this.wrongType(n, label, 'a mapping (`key: value` lines)');
    const out: Record<string, unknown> = {};
    const known = Object.keys(spec.fields);
    for (const pair of n.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) {
        this.report(this.range(keyNode), 'error', 'wrong-type', `Keys in ${label} must be plain names.`);
        continue;
      }
      this.keyRanges.set(pathKey([...at, key]), this.range(keyNode));
      const field = spec.fields[key];
      if (!field) {
        const hint = suggest(key, known);
        this.report(
          this.range(keyNode),
          'error',
          'unknown-key',
          `Unknown key "${key}" in ${label}.${hint ? ` Did you mean "${hint}"?` : ''} Known keys: ${known.join(', ')}.`,
          hint ? { suggestion: hint } : undefined,
        );
        continue;
      }
      const v = this.check(pair.value, field, [...at, key], label === 'the milestone' ? key : /^(task|gate) /.test(label) ? `${label} ${key}` : `${label}.${key}`);
      if (v !== undefined) out[key] = v;
    }
    for (const req of spec.required ?? []) {
      if (out[req] === undefined && !n.items.some((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === req && p.value !== null && !(isScalar(p.value) && p.value.value === null))) {
        this.report(this.firstLine(n), 'error', 'missing-field', `${capitalize(label)} has no "${req}": add \`${req}:\` — ${spec.fields[req]?.doc ?? ''}`.trim());
      }
    }
    return out;
  }

  private checkScalar(n: Node, spec: FieldSpec, label: string): unknown {
    if (!isScalar(n)) {
      return this.wrongType(n, label, expected(spec));
    }
    const v = n.value;
    switch (spec.type) {
      case 'boolean':
        return typeof v === 'boolean' ? v : this.wrongType(n, label, 'true or false');
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) return this.wrongType(n, label, 'a whole number');
        if (v < spec.minimum) {
          this.report(this.range(n), 'error', 'invalid-value', `${capitalize(label)} must be at least ${spec.minimum}, not ${v}.`);
          return undefined;
        }
        return v;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) return this.wrongType(n, label, 'a number, e.g. 0.50');
        if (v <= spec.above) {
          this.report(this.range(n), 'error', 'invalid-value', `${capitalize(label)} must be more than ${spec.above}, not ${v}.`);
          return undefined;
        }
        return v;
      case 'duration': {
        const ms = parseDuration(v);
        if (ms === undefined) {
          this.report(this.range(n), 'error', 'invalid-value', `${capitalize(label)} "${String(v)}" is not a duration: write e.g. 90s, 2m, 1h30m or 500ms.`);
        }
        return ms;
      }
      case 'string': {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint') return this.wrongType(n, label, 'text');
        const s = String(v);
        if (spec.enum && !spec.enum.some((e) => e.value === s)) {
          const values = spec.enum.map((e) => e.value);
          const hint = suggest(s, values);
          this.report(this.range(n), 'error', 'invalid-value', `${capitalize(label)} "${s}" is not one of ${values.join(', ')}.${hint ? ` Did you mean "${hint}"?` : ''}`, hint ? { suggestion: hint } : undefined);
          return undefined;
        }
        if (spec.format === 'id' && !isValidId(s)) {
          this.report(this.range(n), 'error', 'invalid-id', `${capitalize(label)} "${s}" is not a valid id: use ${ID_RULE}.`);
          return undefined;
        }
        return s;
      }
      default:
        return undefined;
    }
  }

  private wrongType(n: Node, label: string, what: string): undefined {
    this.report(this.range(n), 'error', 'wrong-type', `${capitalize(label)} should be ${what}.`);
    return undefined;
  }

  private firstLine(n: Node): Range {
    const r = this.range(n);
    return { start: r.start, end: { line: r.start.line, character: r.start.character + 1 } };
  }
}

/** `task "api"` reads better in a message than `tasks[3]`. */
function itemLabel(listLabel: string, item: unknown, index: number): string {
  const singular = listLabel === 'tasks' ? 'task' : listLabel === 'quality' ? 'gate' : undefined;
  if (!singular) return `${listLabel}[${index}]`;
  const id = isMap(item) ? item.get('id') : undefined;
  return typeof id === 'string' || typeof id === 'number' ? `${singular} "${String(id)}"` : `${singular} #${index + 1}`;
}

function expected(spec: FieldSpec): string {
  switch (spec.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'duration':
      return 'a duration such as 90s or 2m';
    default:
      return 'text';
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function parseRequirement(raw: string): ToolRequirement {
  const m = /^\s*(\S+)\s*(.*?)\s*$/.exec(raw);
  const name = m?.[1] ?? raw;
  const range = m?.[2] ? m[2] : undefined;
  return range ? { raw, name, range } : { raw, name };
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function buildTask(raw: Obj, index: number, defaults: { isolation?: Isolation; setup?: string }): Task {
  const id = str(raw.id) ?? `#${index + 1}`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObj(raw.env))) env[k] = String(v);
  const task: Task = {
    id,
    title: str(raw.title) ?? id,
    dependsOn: asStrings(raw.depends_on),
    requires: asStrings(raw.requires).map(parseRequirement),
    env,
    retries: typeof raw.retries === 'number' ? raw.retries : 0,
    allowRisky: raw.allow_risky === true,
    isolation: (str(raw.isolation) as Isolation | undefined) ?? defaults.isolation ?? (str(raw.agent) !== undefined ? 'worktree' : 'shared'),
    touches: asStrings(raw.touches),
    review: raw.review === true,
    allowedTools: asStrings(raw.allowed_tools),
    expectChanges: raw.expect_changes === true,
    onResume: (str(raw.on_resume) as OnResume | undefined) ?? 'continue',
  };
  if (typeof raw.budget_usd === 'number') task.budgetUsd = raw.budget_usd;
  const setup = str(raw.setup) ?? defaults.setup;
  if (setup !== undefined) task.setup = setup;
  for (const k of ['description', 'run', 'agent', 'prompt', 'cwd', 'rollback', 'verify'] as const) {
    const v = str(raw[k]);
    if (v !== undefined) task[k] = v;
  }
  if (typeof raw.timeout === 'number') task.timeoutMs = raw.timeout;
  return task;
}

function buildGate(raw: Obj, index: number): QualityGate {
  const id = str(raw.id) ?? `#${index + 1}`;
  const gate: QualityGate = {
    id,
    title: str(raw.title) ?? id,
    run: str(raw.run) ?? '',
    after: asStrings(raw.after),
    blocking: raw.blocking !== false,
  };
  if (typeof raw.timeout === 'number') gate.timeoutMs = raw.timeout;
  return gate;
}

function buildMilestone(file: string, raw: Obj): Milestone {
  const id = str(raw.id) ?? path.basename(file).replace(/\.ya?ml$/, '');
  const executors = asObj(raw.executors);
  const git = asObj(raw.git);
  const cpus = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const max = typeof executors.max === 'number' ? executors.max : Math.max(cpus, typeof executors.min === 'number' ? executors.min : 1);
  const agents: Record<string, AgentProfile> = {};
  for (const [k, v] of Object.entries(asObj(raw.agents))) {
    const command = Array.isArray(v) ? asStrings(v) : asStrings(asObj(v).command);
    agents[k] = { adapter: (str(asObj(v).adapter) as AdapterKind | undefined) ?? adapterOf(command), command };
  }
  const taskDefaults: { isolation?: Isolation; setup?: string } = {};
  const isolation = str(raw.isolation) as Isolation | undefined;
  if (isolation) taskDefaults.isolation = isolation;
  const setup = str(raw.setup);
  if (setup !== undefined) taskDefaults.setup = setup;
  const m: Milestone = {
    file,
    id,
    title: str(raw.title) ?? id,
    type: (str(raw.type) as Milestone['type'] | undefined) ?? 'development',
    complexity: (str(raw.complexity) as Milestone['complexity'] | undefined) ?? 'medium',
    branch: str(raw.branch) ?? `milestone/${id}`,
    executors: { min: typeof executors.min === 'number' ? executors.min : 1, max },
    git: {
      autoCommit: (str(git.auto_commit) as Milestone['git']['autoCommit'] | undefined) ?? 'task',
      threshold: typeof git.threshold === 'number' ? git.threshold : DEFAULT_GIT_THRESHOLD,
      push: git.push === true,
      configured: raw.git !== undefined,
      inPlace: git.in_place === true,
    },
    requires: asStrings(raw.requires).map(parseRequirement),
    quality: (Array.isArray(raw.quality) ? raw.quality : []).map((g, i) => buildGate(asObj(g), i)),
    agents,
    tasks: (Array.isArray(raw.tasks) ? raw.tasks : []).map((t, i) => buildTask(asObj(t), i, taskDefaults)),
    onFailure: (str(raw.on_failure) as Milestone['onFailure'] | undefined) ?? 'continue',
    stallAfterMs: typeof raw.stall_after === 'number' ? raw.stall_after : DEFAULT_STALL_AFTER_MS,
  };
  if (typeof raw.budget_usd === 'number') m.budgetUsd = raw.budget_usd;
  const description = str(raw.description);
  if (description !== undefined) m.description = description;
  return m;
}

// The yaml library says what is wrong in its own terms ("compact mappings", "implicit
// keys"); these say what to change in a milestone file for the errors people actually make.
const YAML_ADVICE: Partial<Record<ErrorCode, string>> = {
  TAB_AS_INDENT: 'Indent with spaces, not tabs.',
  BAD_INDENT: 'Line up the keys of one mapping (and the `- ` items of one list) in the same column with spaces, and close a `[` or `{` before the next key.',
  MISSING_CHAR: 'Add the missing character: a closing quote or bracket, `- ` in front of a list item, or `,` between the items of a `[…]` list; or indent the line under the item it belongs to.',
  BLOCK_AS_IMPLICIT_KEY: 'A value that contains ": " must be quoted, e.g. `run: "echo a: b"`; a key on a line of its own must be indented like the keys next to it.',
  MULTILINE_IMPLICIT_KEY: 'Write `key: value` with the colon on the same line as the key; a value that goes on over several lines must be quoted or written as a block (`run: |`).',
  DUPLICATE_KEY: 'Each key may appear once in a mapping: remove this one or merge it into the first.',
  UNEXPECTED_TOKEN: 'Remove the stray character, or quote the value if it is meant as text.',
  BAD_SCALAR_START: 'Quote the value: unquoted text cannot start with @ or `.',
  BAD_DQ_ESCAPE: 'Inside double quotes a backslash starts an escape: write `\\\\` for a backslash, or use single quotes.',
  BLOCK_IN_FLOW: 'Inside `[…]` or `{…}` separate items with commas, not `- ` lines or indentation.',
  MULTIPLE_DOCS: 'A milestone file holds one document: remove the `---` line and what follows it, or move that to a file of its own.',
  TAG_RESOLVE_FAILED: 'Remove the `!` tag: milestone files use plain values.',
  BAD_DIRECTIVE: 'Remove the `%` directive line: milestone files need none.',
  BAD_ALIAS: 'A `&` or `*` starts an anchor or alias: quote the value if the character is meant as text.',
};

// Where the library's own words would mislead (it suggests an API call), say it plainly.
const YAML_PROBLEM: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: 'The file holds more than one YAML document (a `---` line starts another)',
};

/** The library's first line as a sentence, then what to do about it. */
function yamlMessage(kind: string, err: YAMLError): string {
  const what = YAML_PROBLEM[err.code] ?? (err.message.split('\n')[0] ?? err.message).trim();
  const sentence = /[.!?]$/.test(what) ? what : `${what}.`;
  const advice = YAML_ADVICE[err.code] ?? (err.name === 'YAMLWarning' ? 'Check this line; the YAML is read, but perhaps not as meant.' : 'Fix the YAML at this line.');
  return `${kind}: ${sentence} ${advice}`;
}

/** Parses the text of a milestone file and checks its shape against the schema (no semantics). */
export function parseMilestoneText(text: string, file: string): ParsedMilestone {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const walker = new Walker(file, lineCounter);
  for (const err of doc.errors) {
    walker.report(walker.offsets(err.pos[0], Math.max(err.pos[1], err.pos[0] + 1)), 'error', 'yaml-syntax', yamlMessage('YAML syntax error', err));
  }
  for (const warn of doc.warnings) {
    walker.report(walker.offsets(warn.pos[0], warn.pos[1]), 'warning', 'yaml-syntax', yamlMessage('YAML warning', warn));
  }
  let raw: Obj = {};
  if (doc.errors.length === 0) {
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
      walker.report(walker.offsets(0, 0), 'error', 'missing-field', 'The milestone file is empty: it needs at least `id:` and `tasks:`. Run "Milestone Agents: New Milestone" for a template.');
    } else {
      raw = asObj(walker.check(doc.contents, MILESTONE_SPEC, [], 'the milestone'));
    }
  }
  const { valueRanges, keyRanges } = walker;
  return {
    file,
    text,
    doc,
    lineCounter,
    milestone: buildMilestone(file, raw),
    diagnostics: walker.diagnostics,
    rangeOf(p, part = 'value') {
      return (part === 'key' ? keyRanges : valueRanges).get(pathKey(p));
    },
  };
}
