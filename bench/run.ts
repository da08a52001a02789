// `npm run bench`: figures as ratios against a reference measured in the same run, written
// to bench/results.json. Nothing here asserts a time; it reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, openSync, writeSync, fsyncSync, closeSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Coordinator } from '../src/core/coordinator/coordinator';
import { buildGraph, criticalPathLengths } from '../src/core/milestone/graph';
import { validateMilestoneText } from '../src/core/milestone/validate';
import { Journal } from '../src/core/session/journal';
import { readJournal } from '../src/core/session/journal';
import type { JournalEvent } from '../src/core/session/events';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../src/server/analysis';
import { toLspDiagnostics } from '../src/server/features/diagnostics';
import { benchWorktrees } from './worktrees';

const ROOT = path.resolve(__dirname, '..');
const WORKER = path.join(ROOT, 'dist', 'worker.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

/** A seeded random DAG: each task depends on up to two earlier ones. */
function sleepGraph(n: number, seed: number): { id: string; deps: string[]; seconds: number }[] {
  let x = seed;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const tasks: { id: string; deps: string[]; seconds: number }[] = [];
  for (let i = 0; i < n; i++) {
    const deps = new Set<string>();
    if (i > 0) for (let k = 0; k < 2; k++) if (rand() < 0.6) deps.add(`t${Math.floor(rand() * i)}`);
    tasks.push({ id: `t${i}`, deps: [...deps], seconds: Math.round((0.3 + rand() * 0.9) * 10) / 10 });
  }
  return tasks;
}

/** Layers of `width` tasks, each depending on two tasks of the layer before: greedy scheduling can reach the bound. */
function layeredGraph(layers: number, width: number, seconds: number): { id: string; deps: string[]; seconds: number }[] {
  const tasks: { id: string; deps: string[]; seconds: number }[] = [];
  for (let l = 0; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      const deps = l === 0 ? [] : [`l${l - 1}-${w}`, `l${l - 1}-${(w + 1) % width}`];
      tasks.push({ id: `l${l}-${w}`, deps, seconds });
    }
  }
  return tasks;
}

/**
 * Where counting tasks misleads: two chains of three short tasks look longer than a chain
 * of two long ones. Ranked by task count the short chains go first and the long chain ends
 * late; ranked by the durations of a previous run it goes first.
 */
function unevenGraph(): { id: string; deps: string[]; seconds: number }[] {
  const short = (chain: string): { id: string; deps: string[]; seconds: number }[] => [0, 1, 2].map((i) => ({ id: `${chain}${i}`, deps: i ? [`${chain}${i - 1}`] : [], seconds: 0.2 }));
  return [...short('s'), ...short('t'), { id: 'long0', deps: [], seconds: 2 }, { id: 'long1', deps: ['long0'], seconds: 2 }];
}

function chainGraph(n: number, seconds: number): { id: string; deps: string[]; seconds: number }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `c${i}`, deps: i ? [`c${i - 1}`] : [], seconds }));
}

function lowerBound(tasks: { id: string; deps: string[]; seconds: number }[], executors: number): number {
  const weight = new Map(tasks.map((t) => [t.id, t.seconds]));
  const cp = Math.max(...criticalPathLengths(buildGraph(tasks.map((t) => ({ id: t.id, dependsOn: t.deps }))), (id) => weight.get(id) ?? 0).values());
  const work = tasks.reduce((a, t) => a + t.seconds, 0);
  return Math.max(cp, work / executors) * 1000;
}

async function runOurs(dir: string, tasks: ReturnType<typeof sleepGraph>, executors: number): Promise<{ ms: number; events: JournalEvent[] }> {
  const yaml = [`id: bench`, `type: custom`, `executors: { min: ${executors}, max: ${executors} }`, `tasks:`, ...tasks.map((t) => `  - { id: ${t.id}, run: "sleep ${t.seconds}"${t.deps.length ? `, depends_on: [${t.deps.join(', ')}]` : ''} }`)].join('\n');
  await fs.mkdir(path.join(dir, '.milestones'), { recursive: true });
  const file = path.join(dir, '.milestones', 'bench.yaml');
  await fs.writeFile(file, yaml);
  const t0 = performance.now();
  const c = await Coordinator.start(file, { workerScript: WORKER, resourceCeiling: 1.01 });
  const outcome = await c.done;
  const ms = performance.now() - t0;
  if (outcome.status !== 'completed') throw new Error(`bench milestone ${outcome.status}: ${outcome.reason}`);
  return { ms, events: (await readJournal(c.paths.events)).events };
}

function runMake(dir: string, tasks: ReturnType<typeof sleepGraph>, executors: number): number {
  const lines = ['all: ' + tasks.map((t) => t.id).join(' '), ...tasks.flatMap((t) => [`${t.id}: ${t.deps.join(' ')}`, `\t@sleep ${t.seconds}`]), `.PHONY: all ${tasks.map((t) => t.id).join(' ')}`];
  const makefile = path.join(dir, 'Makefile');
  writeFileSync(makefile, `${lines.join('\n')}\n`);
  const t0 = performance.now();
  const r = spawnSync('make', ['-s', `-j${executors}`, '-f', makefile], { cwd: dir });
  if (r.status !== 0) throw new Error(`make failed: ${String(r.stderr)}`);
  return performance.now() - t0;
}

/** Time from a task's last dependency completing to the task starting, from the journal. */
function dispatchLatencies(events: JournalEvent[], tasks: ReturnType<typeof sleepGraph>): number[] {
  const completed = new Map<string, number>();
  const started = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'task_completed') completed.set(e.data.task, Date.parse(e.timestamp));
    if (e.type === 'task_started' && !started.has(e.data.task)) started.set(e.data.task, Date.parse(e.timestamp));
  }
  return tasks.filter((t) => t.deps.length).map((t) => (started.get(t.id) ?? 0) - Math.max(...t.deps.map((d) => completed.get(d) ?? 0)));
}

async function compare(name: string, tasks: ReturnType<typeof sleepGraph>, executors: number, runs = 3): Promise<Record<string, unknown>> {
  const bound = lowerBound(tasks, executors);
  const ours: number[] = [];
  const again: number[] = [];
  const make: number[] = [];
  let latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ma-bench-'));
    const run = await runOurs(dir, tasks, executors);
    ours.push(run.ms);
    // The same milestone again: now ranked by the durations of the first run.
    if (executors > 1) again.push((await runOurs(dir, tasks, executors)).ms);
    if (executors === 1) latencies = latencies.concat(dispatchLatencies(run.events, tasks));
    make.push(runMake(dir, tasks, executors));
    await fs.rm(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    graph: name,
    tasks: tasks.length,
    executors,
    lower_bound_ms: Math.round(bound),
    ours_ms: Math.round(median(ours)),
    make_ms: Math.round(median(make)),
    ours_over_lower_bound: r3(median(ours) / bound),
    make_over_lower_bound: r3(median(make) / bound),
    ours_over_make: r3(median(ours) / median(make)),
    ...(again.length ? { second_run_ms: Math.round(median(again)), second_run_over_lower_bound: r3(median(again) / bound) } : {}),
    ...(latencies.length ? { dependent_start_latency_ms: { mean: r3(latencies.reduce((a, b) => a + b, 0) / latencies.length), p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0, max: sorted[sorted.length - 1] ?? 0 } } : {}),
  };
}

async function benchScheduling(): Promise<Record<string, unknown>> {
  return {
    note: 'wall time from Coordinator.start() to the end (validation, worker start-up included) against the lower bound max(critical path, work / executors), and against `make -j<executors>` running the same graph in the same run; second_run: the same milestone again in the same workspace, ranked by the first run\'s durations',
    layered: await compare('6 layers x 4 tasks of 1s, each on two tasks of the layer before', layeredGraph(6, 4, 1), 4),
    random: await compare('seeded random DAG, 24 tasks of 0.3-1.2s', sleepGraph(24, 7), 4),
    uneven: await compare('two chains of 3 x 0.2s and a chain of 2 x 2s, 2 executors: counting tasks misleads', unevenGraph(), 2),
    chain: await compare('chain of 20 tasks of 0.1s, 1 executor: the time from a task exit to its dependent starting', chainGraph(20, 0.1), 1),
  };
}

async function benchJournal(): Promise<Record<string, unknown>> {
  const n = 5000;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ma-bench-j-'));
  const { journal } = await Journal.open(path.join(dir, 'events.jsonl'), 'bench', { create: true });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => journal.append('task_queued', { task: `t${i}`, attempt: 1, priority: 1 }).durable));
  const ours = performance.now() - t0;
  const syncs = journal.stats.syncs;
  await journal.close();
  // Reference: the same lines, one write and one fsync each (what a naive durable log does).
  const fd = openSync(path.join(dir, 'naive.jsonl'), 'a');
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    writeSync(fd, `${JSON.stringify({ seq: i + 1, timestamp: new Date().toISOString(), type: 'task_queued', data: { task: `t${i}`, attempt: 1, priority: 1 }, session: 'bench' })}\n`);
    fsyncSync(fd);
  }
  const naive = performance.now() - t1;
  closeSync(fd);
  await fs.rm(dir, { recursive: true, force: true });
  return { events: n, fsyncs: syncs, events_per_fsync: r3(n / syncs), ours_ms: Math.round(ours), fsync_per_event_ms: Math.round(naive), speedup_over_fsync_per_event: r3(naive / ours) };
}

async function benchValidation(): Promise<Record<string, unknown>> {
  const n = 2000;
  const text = ['id: big', 'tasks:', ...Array.from({ length: n }, (_, i) => `  - id: task-${i}\n    title: Task ${i}\n    run: echo ${i}\n    depends_on: [${i ? `task-${i - 1}` : ''}${i > 10 ? `, task-${i - 10}` : ''}]`)].join('\n');
  const file = path.join(os.tmpdir(), '.milestones', 'big.yaml');
  const times: number[] = [];
  const plain: number[] = [];
  const lsp: number[] = [];
  const uri = `file://${file}`;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const r = await validateMilestoneText(text, file, { tools: false, workspace: os.tmpdir() });
    times.push(performance.now() - t0);
    if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics[0]!.message);
    const t1 = performance.now();
    parseYaml(text);
    plain.push(performance.now() - t1);
    // The language server's path on a keystroke: snapshot, parse, checks, task index, LSP diagnostics.
    const t2 = performance.now();
    const a = analyze(TextDocument.create(uri, 'yaml', k, text), file);
    toLspDiagnostics(a.diagnostics, uri);
    lsp.push(performance.now() - t2);
  }
  return {
    tasks: n,
    bytes: text.length,
    validate_ms: r3(median(times)),
    language_server_diagnostics_ms: r3(median(lsp)),
    yaml_parse_only_ms: r3(median(plain)),
    validate_over_plain_parse: r3(median(times) / median(plain)),
    language_server_over_plain_parse: r3(median(lsp) / median(plain)),
  };
}

/**
 * What a commit per task costs on the critical path: with `auto_commit: task` a dependent
 * starts once its dependency is committed. A chain of tasks that each write a file, in a
 * git repository, with commits per task and with commits off, in the same run.
 */
async function benchCommits(): Promise<Record<string, unknown>> {
  const n = 12;
  const timed = async (mode: 'task' | 'off'): Promise<number> => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ma-bench-git-'));
    const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir });
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Bench');
    git('config', 'user.email', 'bench@example.invalid');
    git('commit', '-q', '--allow-empty', '-m', 'start');
    const yaml = [`id: commits`, `git: { auto_commit: ${mode} }`, `executors: { max: 1 }`, `tasks:`, ...Array.from({ length: n }, (_, i) => `  - { id: t${i}, run: "echo ${i} > f${i}.txt"${i ? `, depends_on: [t${i - 1}]` : ''} }`)].join('\n');
    await fs.mkdir(path.join(dir, '.milestones'));
    const file = path.join(dir, '.milestones', 'commits.yaml');
    await fs.writeFile(file, yaml);
    git('add', '-A');
    git('commit', '-q', '-m', 'milestone');
    const t0 = performance.now();
    const c = await Coordinator.start(file, { workerScript: WORKER, resourceCeiling: 1.01 });
    const outcome = await c.done;
    const ms = performance.now() - t0;
    if (outcome.status !== 'completed') throw new Error(`bench milestone ${outcome.status}: ${outcome.reason}`);
    await fs.rm(dir, { recursive: true, force: true });
    return ms;
  };
  const withCommits: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 3; i++) {
    withCommits.push(await timed('task'));
    without.push(await timed('off'));
  }
  return {
    chain: `${n} tasks, each writing a file, 1 executor, in a git repository`,
    auto_commit_task_ms: Math.round(median(withCommits)),
    auto_commit_off_ms: Math.round(median(without)),
    commit_cost_per_task_ms: Math.round((median(withCommits) - median(without)) / n),
    task_over_off: r3(median(withCommits) / median(without)),
  };
}

async function main(): Promise<void> {
  execFileSync('make', ['--version']);
  const results = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    scheduling: await benchScheduling(),
    commits: await benchCommits(),
    journal: await benchJournal(),
    validation_2000_tasks: await benchValidation(),
    worktrees_10000_files: await benchWorktrees(),
  };
  const out = path.join(ROOT, 'bench', 'results.json');
  await fs.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${path.relative(process.cwd(), out)}\n`);
}

void main();
