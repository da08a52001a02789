/**
 * Tasks whose dependencies are all done, highest priority (longest remaining path) first;
 * ties go to the task written first in the milestone. A binary heap: O(log n) per task.
 */
export class ReadyQueue {
  private readonly heap: { id: string; priority: number; order: number }[] = [];
  private readonly members = new Set<string>();

  get size(): number {
    return this.heap.length;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  ids(): string[] {
    return this.heap.map((h) => h.id);
  }

  push(id: string, priority: number, order: number): void {
    if (this.members.has(id)) return;
    this.members.add(id);
    this.heap.push({ id, priority, order });
    this.up(this.heap.length - 1);
  }

  pop(): string | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length) {
      this.heap[0] = last;
      this.down(0);
    }
    this.members.delete(top.id);
    return top.id;
  }

  remove(id: string): boolean {
    const i = this.heap.findIndex((h) => h.id === id);
    if (i < 0) return false;
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.down(i);
      this.up(i);
    }
    this.members.delete(id);
    return true;
  }

  clear(): string[] {
    const ids = this.ids();
    this.heap.length = 0;
    this.members.clear();
    return ids;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.priority > y.priority || (x.priority === y.priority && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(l, best)) best = l;
      if (r < this.heap.length && this.before(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
