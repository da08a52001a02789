// What task isolation costs: each isolated task gets a git worktree of its own, made by
// ensureWorktree + copyIncluded and removed by removeMerged. Measured in a repository of
// 10,000 small files against references run in the same process (cp -r of the checkout,
// git status, a plain `git worktree add`), and with a cache-hit `npm ci` as a task's setup.
// Nothing here asserts a time; it reports. Run alone: `node --import tsx bench/worktrees.ts`.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openRepository } from '../src/core/git/repository';
import { workingTreeId } from '../src/core/git/treeFingerprint';
import { copyIncluded, ensureWorktree, removeMerged, type RepoHandle } from '../src/core/git/worktrees';

const FILES = 10_000;
const BYTES = 100;
const REPETITIONS = 5;
/** Two tiny packages without dependencies of their own, pinned. */
const DEPENDENCIES: Record<string, string> = { 'is-number': '7.0.0', ms: '2.1.3' };
const NPM_CI = ['ci', '--offline', '--no-audit', '--no-fund'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
const r1 = (n: number): number => Math.round(n * 10) / 10;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message || ''}`.trim());
}

function timed(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  run(cmd, args, cwd, env);
  return performance.now() - t0;
}

/**
 * npm without the npm_* variables of an enclosing `npm run bench` (its prefix and cache
 * must not leak in: `npm ci` in the wrong folder deletes that folder's node_modules), with a
 * cache of its own under the bench's temporary folder.
 */
function npmEnv(cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_cache: cache, npm_config_update_notifier: 'false' };
}

/** `dir/a/b/f.txt` paths: 10 x 10 folders of 100 files each, ~100 bytes a file. */
async function writeFiles(root: string): Promise<void> {
  const per = 100;
  for (let i = 0; i < FILES / per; i++) {
    const dir = path.join(root, 'src', `d${Math.floor(i / 10)}`, `e${i % 10}`);
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(
      Array.from({ length: per }, (_, j) => {
        const n = i * per + j;
        const line = `export const value${n} = ${n}; // file ${n} of a benchmark repository, padding to ~100 bytes`;
        return fs.writeFile(path.join(dir, `f${j}.ts`), `${line.padEnd(BYTES - 1, '.').slice(0, BYTES - 1)}\n`);
      }),
    );
  }
}

interface Built {
  repo: RepoHandle;
  files: number;
  npm: { cache: string } | { skipped: string };
}

/**
 * The repository: 10,000 files, a .gitignore with `.env` and `node_modules/`, a
 * `.worktreeinclude` with `.env`, the ignored `.env` itself, and (when the registry answers)
 * a package.json with its package-lock.json, all in one commit.
 */
async function build(base: string): Promise<Built> {
  const root = path.join(base, 'repo');
  await fs.mkdir(root);
  run('git', ['init', '-q', '-b', 'main'], root);
  run('git', ['config', 'user.name', 'Bench'], root);
  run('git', ['config', 'user.email', 'bench@example.invalid'], root);
  await writeFiles(root);
  await fs.writeFile(path.join(root, '.gitignore'), '.env\nnode_modules/\n');
  await fs.writeFile(path.join(root, '.worktreeinclude'), '.env\n');
  await fs.writeFile(path.join(root, '.env'), 'BENCH_SECRET=not-a-secret\n');
  let npm: Built['npm'];
  const cache = path.join(base, 'npm-cache');
  await fs.writeFile(path.join(root, 'package.json'), `${JSON.stringify({ name: 'bench-repo', version: '1.0.0', private: true, dependencies: DEPENDENCIES }, null, 2)}\n`);
  try {
    run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], root, npmEnv(cache));
    npm = { cache };
  } catch (err) {
    await fs.rm(path.join(root, 'package.json'), { force: true });
    npm = { skipped: `no package-lock.json: ${(err as Error).message.split('\n')[0]}` };
  }
  run('git', ['add', '.'], root);
  run('git', ['commit', '-q', '-m', 'bench repository'], root);
  const files = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  const repo = await openRepository(root);
  if (!repo) throw new Error(`${root} is not a git repository`);
  return { repo, files, npm };
}

async function fileCount(dir: string): Promise<number> {
  return (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

/** The engine's creation of an isolated task's worktree, as the coordinator does it. */
async function createWorktree(repo: RepoHandle, dir: string, branch: string): Promise<number> {
  const t0 = performance.now();
  await ensureWorktree(repo, dir, branch, 'HEAD');
  const copied = await copyIncluded(repo, dir);
  const ms = performance.now() - t0;
  if (copied !== 1) throw new Error(`copyIncluded copied ${copied} files, expected .env alone`);
  return ms;
}

async function removeWorktree(repo: RepoHandle, dir: string, branch: string): Promise<number> {
  const t0 = performance.now();
  // The checkout (on main, where the task's branch started) stands in for the integration worktree.
  const r = await removeMerged(repo, repo.root, dir, branch);
  const ms = performance.now() - t0;
  if (!r.removed) throw new Error(`removeMerged kept ${dir}: ${r.reason}`);
  return ms;
}

export interface WorktreeBenchOptions {
  repetitions?: number;
  /** Where the table goes; stderr by default, so that stdout stays the JSON under run.ts. */
  log?: (line: string) => void;
}

export async function benchWorktrees(options: WorktreeBenchOptions = {}): Promise<Record<string, unknown>> {
  const reps = options.repetitions ?? REPETITIONS;
  const log = options.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ma-bench-wt-')));
  try {
    const tb = performance.now();
    const { repo, files, npm } = await build(base);
    const buildMs = performance.now() - tb;
    const entries = (await fs.readdir(repo.root)).filter((e) => e !== '.git').map((e) => path.join(repo.root, e));
    const wt = (name: string): string => path.join(base, 'worktrees', name);
    const sample = { create: [] as number[], remove: [] as number[], cp: [] as number[], rm: [] as number[], status: [] as number[], fingerprint: [] as number[], gitAdd: [] as number[], gitRemove: [] as number[] };
    const npmSample = { create: [] as number[], ci: [] as number[], remove: [] as number[] };
    let checkedCopy = false;

    if ('cache' in npm) {
      // Warm the cache once (online), in a worktree of its own, then check that offline works.
      const dir = wt('warm');
      await createWorktree(repo, dir, 'bench/warm');
      run('npm', ['ci', '--no-audit', '--no-fund'], dir, npmEnv(npm.cache));
      await fs.rm(path.join(dir, 'node_modules'), { recursive: true });
      run('npm', NPM_CI, dir, npmEnv(npm.cache));
      await removeWorktree(repo, dir, 'bench/warm');
    }

    // Round 0 warms the page cache and git's index and is not counted; the measures interleave
    // so that the machine's drift falls on all of them alike.
    for (let i = 0; i <= reps; i++) {
      const keep = i > 0;
      const dir = wt(`t${i}`);
      const create = await createWorktree(repo, dir, `bench/t${i}`);
      if (!checkedCopy) {
        const n = await fileCount(dir);
        if (n < files + 1) throw new Error(`the worktree has ${n} files, expected ${files} and .env`);
        checkedCopy = true;
      }
      // expect_changes: the agent's worktree as one tree id, before and after the agent.
      const t0 = performance.now();
      const id = await workingTreeId(dir);
      const fingerprint = performance.now() - t0;
      if (!id) throw new Error(`no tree id for ${dir}`);
      const remove = await removeWorktree(repo, dir, `bench/t${i}`);

      const copy = path.join(base, `cp-${i}`);
      await fs.mkdir(copy);
      const cp = timed('cp', ['-r', ...entries, copy], base);
      const rm = timed('rm', ['-rf', copy], base);

      const status = timed('git', ['status', '--porcelain'], repo.root);

      const plain = wt(`plain${i}`);
      const gitAdd = timed('git', ['worktree', 'add', '-q', '-b', `bench/plain${i}`, plain, 'HEAD'], repo.root);
      const gitRemove = timed('git', ['worktree', 'remove', plain], repo.root);
      run('git', ['branch', '-q', '-D', `bench/plain${i}`], repo.root);

      if (keep) {
        sample.create.push(create);
        sample.remove.push(remove);
        sample.cp.push(cp);
        sample.rm.push(rm);
        sample.status.push(status);
        sample.fingerprint.push(fingerprint);
        sample.gitAdd.push(gitAdd);
        sample.gitRemove.push(gitRemove);
      }

      if ('cache' in npm) {
        const ndir = wt(`npm${i}`);
        const ncreate = await createWorktree(repo, ndir, `bench/npm${i}`);
        const ci = timed('npm', NPM_CI, ndir, npmEnv(npm.cache));
        for (const dep of Object.keys(DEPENDENCIES)) await fs.access(path.join(ndir, 'node_modules', dep, 'package.json'));
        const nremove = await removeWorktree(repo, ndir, `bench/npm${i}`);
        if (keep) {
          npmSample.create.push(ncreate);
          npmSample.ci.push(ci);
          npmSample.remove.push(nremove);
        }
      }
    }

    const m = Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, median(v)])) as Record<keyof typeof sample, number>;
    const range = (xs: number[]): [number, number] => [r1(Math.min(...xs)), r1(Math.max(...xs))];
    let npmResult: Record<string, unknown>;
    if ('cache' in npm) {
      // Creation alone is that of the same worktrees, timed apart from the npm ci that follows it.
      const createAlone = median(npmSample.create);
      const sums = npmSample.create.map((c, k) => c + npmSample.ci[k]!);
      const withCi = median(sums);
      npmResult = {
        dependencies: DEPENDENCIES,
        command: `npm ${NPM_CI.join(' ')}`,
        npm_ci_ms: r1(median(npmSample.ci)),
        create_plus_npm_ci_ms: r1(withCi),
        create_alone_ms: r1(createAlone),
        create_plus_npm_ci_over_create_alone: r3(withCi / createAlone),
        remove_with_node_modules_ms: r1(median(npmSample.remove)),
        ranges_ms: { npm_ci: range(npmSample.ci), create_plus_npm_ci: range(sums), create_alone: range(npmSample.create) },
      };
    } else {
      npmResult = { skipped: npm.skipped };
    }
    const result = {
      note: 'medians; create: ensureWorktree + copyIncluded (the engine\'s worktree for an isolated task, .env copied from .worktreeinclude); working tree id: workingTreeId in that fresh worktree (expect_changes takes one before and one after the agent); remove: removeMerged (status check, git worktree remove, prune, branch -D); references in the same run: cp -r of the checkout without .git, rm -rf of that copy, git status --porcelain in the checkout, plain git worktree add / remove; npm: a cache-hit npm ci as a task\'s setup, after the worktree creation',
      files,
      bytes_per_file: BYTES,
      repetitions: reps,
      build_repository_ms: Math.round(buildMs),
      create_ms: r1(m.create),
      remove_ms: r1(m.remove),
      cp_r_ms: r1(m.cp),
      rm_rf_ms: r1(m.rm),
      git_status_ms: r1(m.status),
      working_tree_id_ms: r1(m.fingerprint),
      working_tree_id_over_git_status: r3(m.fingerprint / m.status),
      plain_worktree_add_ms: r1(m.gitAdd),
      plain_worktree_remove_ms: r1(m.gitRemove),
      create_over_cp_r: r3(m.create / m.cp),
      create_over_git_status: r3(m.create / m.status),
      create_over_plain_worktree_add: r3(m.create / m.gitAdd),
      remove_over_rm_rf: r3(m.remove / m.rm),
      remove_over_plain_worktree_remove: r3(m.remove / m.gitRemove),
      ranges_ms: { create: range(sample.create), remove: range(sample.remove), cp_r: range(sample.cp), rm_rf: range(sample.rm), git_status: range(sample.status), working_tree_id: range(sample.fingerprint), plain_worktree_add: range(sample.gitAdd), plain_worktree_remove: range(sample.gitRemove) },
      load_average: os.loadavg().map(r3),
      npm: npmResult,
    };
    for (const line of table(result, npmResult)) log(line);
    return result;
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}

function table(r: Record<string, unknown>, npm: Record<string, unknown>): string[] {
  const n = (k: string, from: Record<string, unknown> = r): number => from[k] as number;
  const span = (k: string, from: Record<string, unknown> = r): string => {
    const [lo, hi] = (from.ranges_ms as Record<string, [number, number]>)[k]!;
    return `${lo.toFixed(1)}-${hi.toFixed(1)}`;
  };
  const rows: [string, number, string, string][] = [
    ['worktree create (ensureWorktree + copyIncluded)', n('create_ms'), span('create'), `${n('create_over_cp_r')} x cp -r, ${n('create_over_git_status')} x git status`],
    ['worktree remove (removeMerged)', n('remove_ms'), span('remove'), `${n('remove_over_rm_rf')} x rm -rf`],
    ['expect_changes: working tree id (fresh worktree)', n('working_tree_id_ms'), span('working_tree_id'), `${n('working_tree_id_over_git_status')} x git status`],
    ['ref: cp -r of the checkout (no .git)', n('cp_r_ms'), span('cp_r'), ''],
    ['ref: rm -rf of that copy', n('rm_rf_ms'), span('rm_rf'), ''],
    ['ref: git status --porcelain', n('git_status_ms'), span('git_status'), ''],
    ['ref: plain git worktree add', n('plain_worktree_add_ms'), span('plain_worktree_add'), `create = ${n('create_over_plain_worktree_add')} x this`],
    ['ref: plain git worktree remove', n('plain_worktree_remove_ms'), span('plain_worktree_remove'), `remove = ${n('remove_over_plain_worktree_remove')} x this`],
  ];
  if ('npm_ci_ms' in npm) {
    rows.push(['npm: worktree create alone', n('create_alone_ms', npm), span('create_alone', npm), '']);
    rows.push(['npm: npm ci --offline (cache hit) in it', n('npm_ci_ms', npm), span('npm_ci', npm), '']);
    rows.push(['npm: worktree create + npm ci', n('create_plus_npm_ci_ms', npm), span('create_plus_npm_ci', npm), `${n('create_plus_npm_ci_over_create_alone', npm)} x create alone`]);
    rows.push(['npm: worktree remove, with node_modules', n('remove_with_node_modules_ms', npm), '', '']);
  }
  const w = Math.max(...rows.map((x) => x[0].length));
  const v = Math.max(...rows.map((x) => x[2].length), 'min-max'.length);
  return [
    `worktrees: ${n('files')} files of ~${n('bytes_per_file')} bytes, median of ${n('repetitions')}, ${os.cpus().length} CPUs, load average ${(r.load_average as number[]).join(' ')}`,
    `${'step'.padEnd(w)}  ${'median ms'.padStart(9)}  ${'min-max'.padEnd(v)}  ratio`,
    ...rows.map(([name, ms, range, ratio]) => `${name.padEnd(w)}  ${ms.toFixed(1).padStart(9)}  ${range.padEnd(v)}  ${ratio}`.trimEnd()),
    ...('skipped' in npm ? [`npm ci: skipped (${String(npm.skipped)})`] : []),
  ];
}

if (require.main === module) {
  benchWorktrees({ log: (line) => void process.stdout.write(`${line}\n`) }).then(
    (r) => void process.stdout.write(`${JSON.stringify({ when: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, worktrees: r }, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
