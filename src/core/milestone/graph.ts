/** A dependency graph over task ids: edges go from a task to the tasks it depends on. */
export interface TaskGraphInput {
  id: string;
  dependsOn: readonly string[];
}

export interface TaskGraph {
  ids: string[];
  deps: Map<string, string[]>;
  dependents: Map<string, string[]>;
}

export function buildGraph(tasks: readonly TaskGraphInput[]): TaskGraph {
  const ids = tasks.map((t) => t.id);
  const known = new Set(ids);
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) dependents.set(id, []);
  for (const t of tasks) {
    // A duplicate id is reported elsewhere; the first definition is the one that counts.
    if (deps.has(t.id)) continue;
    const own = [...new Set(t.dependsOn.filter((d) => known.has(d)))];
    deps.set(t.id, own);
    for (const d of own) dependents.get(d)?.push(t.id);
  }
  return { ids, deps, dependents };
}

/**
 * One elementary cycle per strongly connected component that has one (Tarjan), as a path
 * that starts and ends at the same id: ['a', 'b', 'c', 'a'] means a depends on b, b on c,
 * c on a. Iterative, so a 10,000-task chain does not overflow the stack.
 */
export function findCycles(graph: TaskGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of graph.ids) {
    if (index.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const edges = graph.deps.get(frame.id) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        const selfLoop = component.length === 1 && (graph.deps.get(frame.id) ?? []).includes(frame.id);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((c) => cycleWithin(graph, new Set(c), c[c.length - 1]!));
}

/** A shortest cycle through `start` inside one strongly connected component (breadth-first). */
function cycleWithin(graph: TaskGraph, members: Set<string>, start: string): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const to of graph.deps.get(at) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let p: string | undefined = at; p !== undefined && p !== start; p = parent.get(p)) path.splice(1, 0, p);
        path.push(start);
        return path;
      }
      if (!parent.has(to)) {
        parent.set(to, at);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/** Dependencies before dependents. Ids on a cycle are left out. */
export function topologicalOrder(graph: TaskGraph): string[] {
  const remaining = new Map<string, number>();
  for (const id of graph.ids) remaining.set(id, graph.deps.get(id)?.length ?? 0);
  const order: string[] = graph.ids.filter((id) => remaining.get(id) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const d of graph.dependents.get(order[i]!) ?? []) {
      const left = (remaining.get(d) ?? 0) - 1;
      remaining.set(d, left);
      if (left === 0) order.push(d);
    }
  }
  return order;
}

/**
 * Longest remaining path from each task to the end of the graph, counting the task itself,
 * weighted by an estimate of each task's duration (1 when unknown). The scheduler runs the
 * task with the longest remaining path first: that is what shortens the whole run.
 */
export function criticalPathLengths(graph: TaskGraph, weight: (id: string) => number = () => 1): Map<string, number> {
  const order = topologicalOrder(graph);
  const length = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    let longest = 0;
    for (const d of graph.dependents.get(id) ?? []) longest = Math.max(longest, length.get(d) ?? 0);
    length.set(id, longest + weight(id));
  }
  return length;
}

/** Every task that depends on `id`, directly or not. */
export function transitiveDependents(graph: TaskGraph, id: string): string[] {
  const seen = new Set<string>();
  const queue = [id];
  for (let i = 0; i < queue.length; i++) {
    for (const d of graph.dependents.get(queue[i]!) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  return [...seen];
}
