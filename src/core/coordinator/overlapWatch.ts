// Predicts conflicts instead of repairing them: while isolated tasks run, it compares what
// their worktrees changed, and as soon as two of them change the same file it says so on
// both tasks, before either merges. It looks when a task prints (agents talk as they work;
// at most every `intervalMs` per task) and when a task ends.
import type { EventData } from '../session/events';

export interface OverlapDeps {
  /** What the task's worktree changed so far; undefined when it has none. */
  changedFiles(task: string): Promise<string[] | undefined>;
  /** The isolated tasks running now. */
  running(): Iterable<string>;
  alert(data: EventData['alert']): void;
  now(): number;
  intervalMs: number;
}

export class OverlapWatch {
  private readonly changed = new Map<string, ReadonlySet<string>>();
  private readonly lookedAt = new Map<string, number>();
  private readonly looking = new Set<string>();
  private readonly said = new Set<string>();

  constructor(private readonly deps: OverlapDeps) {}

  /** The task printed something: it is working, look at what it changed (throttled). */
  activity(task: string): void {
    const last = this.lookedAt.get(task);
    if (last !== undefined && this.deps.now() - last < this.deps.intervalMs) return;
    void this.look(task);
  }

  /** The task ended: one last look before its result merges, then it is forgotten. */
  async ended(task: string): Promise<void> {
    await this.look(task);
    this.changed.delete(task);
    this.lookedAt.delete(task);
  }

  private async look(task: string): Promise<void> {
    if (this.looking.has(task)) return;
    this.looking.add(task);
    this.lookedAt.set(task, this.deps.now());
    try {
      const files = await this.deps.changedFiles(task);
      if (!files) return;
      this.changed.set(task, new Set(files));
      for (const other of this.deps.running()) {
        if (other === task) continue;
        const theirs = this.changed.get(other);
        if (!theirs) continue;
        const both = files.filter((f) => theirs.has(f) && !this.said.has(pairKey(task, other, f)));
        if (!both.length) continue;
        for (const f of both) this.said.add(pairKey(task, other, f));
        const what = both.length > 3 ? `${both.slice(0, 3).join(', ')} and ${both.length - 3} more` : both.join(', ');
        for (const [a, b] of [[task, other], [other, task]] as const) {
          this.deps.alert({ kind: 'overlapping_changes', task: a, message: `${a} and ${b} both change ${what} in their worktrees: whichever merges second will need a merge. Stop one of them, or give them touches: globs so they run one after the other.` });
        }
      }
    } finally {
      this.looking.delete(task);
    }
  }
}

function pairKey(a: string, b: string, file: string): string {
  return `${a < b ? a : b}\0${a < b ? b : a}\0${file}`;
}
