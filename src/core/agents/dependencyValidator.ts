import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../milestone/diagnostics';
import { buildGraph, transitiveDependents } from '../milestone/graph';
import { ToolChecker } from '../milestone/tools';
import type { ParsedMilestone } from '../milestone/parse';
import { validateMilestoneFile } from '../milestone/validate';
import type { Agent, AgentContext } from './agent';
import type { SubscribedEvent } from './messages';

const DEBOUNCE_MS = 150;

/**
 * The dependency validator: checks the graph and the tools at the start, again whenever
 * the milestone file changes on disk, and after a task fails; reports the dependents a
 * failure blocks. Every issue is a diagnostic on the milestone file.
 */
export class DependencyValidatorAgent implements Agent<'validator'> {
  private readonly checker = new ToolChecker();
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private staticIssues: Diagnostic[] = [];
  private readonly blocked = new Map<string, Diagnostic[]>();
  private lastReport = '';
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AgentContext) {
    this.enqueue('start');
    const file = ctx.init.session.milestoneFile;
    try {
      // The folder, not the file: editors save by rename, which ends a watch on the file.
      this.watcher = watch(path.dirname(file), (_type, name) => {
        if (name && name.toString() !== path.basename(file)) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.enqueue('file_changed'), DEBOUNCE_MS);
      });
    } catch {
      this.watcher = undefined;
    }
    for (const e of ctx.init.history ?? []) if (e.type === 'task_failed' || e.type === 'session_resumed') this.follow(e, false);
  }

  observe(e: SubscribedEvent<'validator'>): void {
    this.follow(e, true);
  }

  /** Tracks which tasks failed for good: their dependents are reported as blocked. */
  private follow(e: SubscribedEvent<'validator'>, live: boolean): void {
    switch (e.type) {
      case 'session_resumed': {
        const had = this.blocked.size;
        for (const id of [...e.data.requeued, ...e.data.reset]) this.blocked.delete(id);
        if (live && had !== this.blocked.size) this.enqueue('task_failed');
        return;
      }
      case 'task_failed':
        if (!e.data.final) return;
        this.blocked.set(e.data.task, []);
        if (!live) return;
        // 127 is the shell's "command not found": a tool may have gone away since the start.
        if (e.data.exit_code === 127) {
          this.checker.clear();
          this.enqueue('tool_check');
        } else {
          this.enqueue('task_failed');
        }
        return;
      default:
        e satisfies never;
    }
  }

  private enqueue(source: 'start' | 'file_changed' | 'tool_check' | 'task_failed'): void {
    this.queue = this.queue.then(() => this.validate(source)).catch(() => undefined);
  }

  private async validate(source: 'start' | 'file_changed' | 'tool_check' | 'task_failed'): Promise<void> {
    const { session, settings } = this.ctx.init;
    try {
      const result = await validateMilestoneFile(session.milestoneFile, { workspace: session.workspace, checker: this.checker, ...(settings.profiles ? { profiles: settings.profiles } : {}) });
      this.staticIssues = result.diagnostics.filter((d) => d.severity !== 'info');
      this.computeBlocked(result.parsed);
    } catch (err) {
      this.staticIssues = [{ file: session.milestoneFile, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'yaml-syntax', message: (err as Error).message }];
    }
    this.send(source);
  }

  private computeBlocked(parsed: ParsedMilestone): void {
    const graph = buildGraph(parsed.milestone.tasks);
    for (const failed of this.blocked.keys()) {
      const list: Diagnostic[] = [];
      for (const dep of transitiveDependents(graph, failed)) {
        const i = parsed.milestone.tasks.findIndex((t) => t.id === dep);
        const range = parsed.rangeOf(['tasks', i, 'id']);
        if (!range) continue;
        list.push({ file: parsed.file, range, severity: 'warning', code: 'blocked-by-failure', message: `Task "${dep}" is blocked: it depends on "${failed}", which failed. Fix "${failed}" and retry it.`, data: { failed } });
      }
      this.blocked.set(failed, list);
    }
  }

  private send(source: 'start' | 'file_changed' | 'tool_check' | 'task_failed'): void {
    const issues = [...this.staticIssues, ...[...this.blocked.values()].flat()];
    const key = JSON.stringify(issues);
    if (key === this.lastReport && source !== 'start') return;
    this.lastReport = key;
    const critical = issues.some((d) => d.severity === 'error' && d.code !== 'blocked-by-failure');
    this.ctx.emit({ type: 'dependency_issues', data: { source, critical, issues } });
  }

  async dispose(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    await this.queue;
  }
}
