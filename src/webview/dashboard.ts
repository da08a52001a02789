// The dashboard webview: replays the session's journal events through the same reducer
// the engine uses, and draws progress, agents, the task graph, a timeline, metrics,
// alerts and the selected task's log. Text from the milestone goes in through
// textContent only, never as markup.
import dagre from '@dagrejs/dagre';
import { applyEvent, emptySessionState, type SessionState } from '../core/session/state';
import { isToWebview, type FromWebview, type Liveness, type ToWebview } from '../shared/dashboardProtocol';
import { RunLog, toDashboardModel, type DashboardModel } from '../shared/dashboardModel';
import { isInterrupted, taskStatusLabel } from '../shared/presentation';
import { AGENT_WAIT_COLORS, pauseText, quotaProgressText, renderAgentRuns } from './agentPanels';
import { $, duration, el, svg } from './dom';
import { AWAITING_COLORS, renderAttention, renderIsolation, resetMergePanels, type MergePanelContext } from './mergePanels';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

interface Persisted {
  sessionId?: string;
  selected?: string;
}

let persisted: Persisted = (vscode.getState() as Persisted | undefined) ?? {};
let state: SessionState | undefined;
let runs = new RunLog();
let liveness: Liveness = 'none';
let metrics: Record<string, unknown> = {};
let logText = '';
let usage: { sessionId: string; count: number; bytes: number; complete: boolean } | undefined;
let layoutKey = '';
let layout: { width: number; height: number; nodes: Map<string, { x: number; y: number; w: number; h: number }>; edges: { from: string; to: string; points: { x: number; y: number }[] }[] } | undefined;
let frame = 0;

function panelContext(): MergePanelContext {
  return { liveness, usage, sessionId: state?.id, post };
}

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function select(task: string): void {
  persisted = { ...persisted, selected: task };
  vscode.setState(persisted);
  logText = '';
  post({ type: 'selectTask', task });
  schedule();
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (!isToWebview(m)) return;
  onMessage(m);
});

function onMessage(m: ToWebview): void {
  switch (m.type) {
    case 'empty':
      state = undefined;
      break;
    case 'session':
      if (persisted.sessionId !== m.sessionId) persisted = { sessionId: m.sessionId };
      vscode.setState(persisted);
      state = emptySessionState(m.sessionId);
      runs = new RunLog();
      for (const e of m.events) {
        applyEvent(state, e);
        runs.add(e);
      }
      liveness = m.liveness;
      layoutKey = '';
      resetMergePanels();
      usage = undefined;
      if (persisted.selected) post({ type: 'selectTask', task: persisted.selected });
      break;
    case 'events':
      if (!state || m.sessionId !== state.id) return;
      for (const e of m.events) {
        if (e.seq <= state.lastSeq) continue;
        applyEvent(state, e);
        runs.add(e);
      }
      break;
    case 'liveness':
      if (state?.id === m.sessionId) liveness = m.liveness;
      break;
    case 'metrics':
      if (state?.id === m.sessionId) metrics = m.metrics;
      break;
    case 'worktrees':
      usage = { sessionId: m.sessionId, count: m.count, bytes: m.bytes, complete: m.complete };
      break;
    case 'log':
      if (state?.id !== m.sessionId || m.task !== persisted.selected) return;
      logText = m.reset ? m.text : logText + m.text;
      if (logText.length > 200_000) logText = logText.slice(-150_000);
      break;
  }
  schedule();
}

function render(): void {
  const empty = $('empty');
  const main = $('main');
  if (!state) {
    empty.hidden = false;
    main.hidden = true;
    return;
  }
  empty.hidden = true;
  main.hidden = false;
  const model = toDashboardModel(state, runs.runs, Date.now(), isInterrupted(state.status, liveness), runs.pausedBy);
  renderHeader(model);
  renderAttention(model, panelContext());
  renderAgentRuns(model, { select });
  renderAgents(model);
  renderGraph(model);
  renderTimeline(model);
  renderIsolation(model, panelContext());
  renderMetrics();
  renderAlerts(model);
  renderLog(model);
}

function renderHeader(m: DashboardModel): void {
  $('title').textContent = m.title;
  const status = $('status');
  status.textContent = liveness === 'elsewhere' ? `${m.status} · read-only` : m.status;
  status.className = `badge status-${m.status}`;
  $('pause-reason').textContent = pauseText(m);
  const p = m.progress;
  const bar = $('bar');
  bar.style.width = `${p.percent}%`;
  bar.className = p.failed ? 'bar failed' : 'bar';
  $('progressbar').setAttribute('aria-valuenow', String(p.percent));
  const eta = p.etaMs && m.status === 'running' ? ` · about ${duration(p.etaMs)} left` : '';
  $('progress-text').textContent = `${p.done}/${p.total} tasks completed · ${p.percent}%${p.failed ? ` · ${p.failed} failed` : ''}${p.skipped ? ` · ${p.skipped} not run` : ''}${p.running ? ` · ${p.running} running` : ''}${quotaProgressText(m)}${eta}`;
  const commits = m.commits || !m.merged ? `${m.commits} commit${m.commits === 1 ? '' : 's'}` : '';
  const merged = m.merged ? `${m.merged} result${m.merged === 1 ? '' : 's'} merged` : '';
  $('branch').textContent = m.branch ? `branch ${[m.branch, commits, merged].filter(Boolean).join(' · ')}` : '';
}

function renderAgents(m: DashboardModel): void {
  const box = $('agents');
  box.replaceChildren(
    ...m.agents.map((a) =>
      el(
        'div',
        { className: `agent agent-${a.status}`, title: `${a.kind} agent · ${a.workDone} ${a.workUnit} · ${a.errors} errors${a.restarts ? ` · replaced ${a.restarts}×` : ''}` },
        el('div', { className: 'agent-name', text: a.id }),
        el('div', { className: 'agent-state', text: a.status === 'busy' && a.task ? `running ${a.task}` : a.status }),
        ...(a.doing ? [el('div', { className: 'agent-meta agent-doing', text: a.doing, title: a.doing })] : []),
        el('div', { className: 'agent-meta', text: `${a.kind} · ${a.workDone} ${a.workUnit}${a.errors ? ` · ${a.errors} errors` : ''}` }),
      ),
    ),
  );
  const gates = $('gates');
  gates.replaceChildren(...m.gates.map((g) => el('div', { className: `gate gate-${g.status}`, text: `${g.id}: ${g.status}${g.blocking ? '' : ' (advisory)'}`, title: g.message ?? '' })));
  $('gates-card').hidden = m.gates.length === 0;
}

function computeLayout(m: DashboardModel): void {
  const key = JSON.stringify([m.graph.nodes.map((n) => n.id), m.graph.edges]);
  if (key === layoutKey && layout) return;
  layoutKey = key;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 40, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of m.graph.nodes) g.setNode(n.id, { width: Math.min(200, Math.max(90, n.id.length * 7.5 + 24)), height: 34 });
  for (const e of m.graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    nodes.set(id, { x: n.x, y: n.y, w: n.width, h: n.height });
  }
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [] }));
  const info = g.graph() as { width?: number; height?: number };
  layout = { width: info.width ?? 0, height: info.height ?? 0, nodes, edges };
}

function renderGraph(m: DashboardModel): void {
  computeLayout(m);
  if (!layout) return;
  const root = $('graph') as unknown as SVGSVGElement;
  root.setAttribute('viewBox', `0 0 ${Math.max(1, layout.width)} ${Math.max(1, layout.height)}`);
  root.setAttribute('height', String(Math.max(60, layout.height)));
  const parts: SVGElement[] = [];
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
    parts.push(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }));
  }
  for (const n of m.graph.nodes) {
    const box = layout.nodes.get(n.id);
    if (!box) continue;
    const group = svg('g', { class: `node status-${n.status}${persisted.selected === n.id ? ' selected' : ''}`, tabindex: 0, role: 'button', 'data-task': n.id });
    group.setAttribute('aria-label', `${n.id}: ${n.status}${n.durationMs !== null ? `, ${duration(n.durationMs)}` : ''}. Enter opens its log.`);
    const rect = svg('rect', { x: box.x - box.w / 2, y: box.y - box.h / 2, width: box.w, height: box.h, rx: 5 });
    // Results waiting for the user stand out (set through the CSSOM, which the CSP allows).
    const waits = AWAITING_COLORS[n.status];
    if (waits) {
      rect.style.stroke = waits;
      rect.style.strokeWidth = '2.5';
      rect.style.fill = `color-mix(in srgb, ${waits} 20%, var(--vscode-editor-background))`;
    } else if (n.status === 'waiting_quota') {
      // Not the user's to act on: it runs again by itself, hence dashed.
      rect.style.stroke = AGENT_WAIT_COLORS.quota;
      rect.style.strokeDasharray = '4 2';
    }
    group.appendChild(rect);
    const label = svg('text', { x: box.x, y: box.y + 4, 'text-anchor': 'middle' });
    label.textContent = n.id.length > 24 ? `${n.id.slice(0, 23)}…` : n.id;
    group.appendChild(label);
    const tip = svg('title');
    tip.textContent = `${n.label}\n${taskStatusLabel(n.status)}${n.attempts > 1 ? ` · attempt ${n.attempts}` : ''}${n.durationMs !== null ? ` · ${duration(n.durationMs)}` : ''}`;
    group.appendChild(tip);
    group.addEventListener('click', () => select(n.id));
    group.addEventListener('dblclick', () => post({ type: 'openLog', task: n.id }));
    group.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        select(n.id);
      }
    });
    parts.push(group);
  }
  const defs = root.querySelector('defs');
  root.replaceChildren(...(defs ? [defs] : []), ...parts);
}

function renderTimeline(m: DashboardModel): void {
  const root = $('timeline') as unknown as SVGSVGElement;
  const width = Math.max(300, root.clientWidth || 600);
  const laneH = 22;
  const labelW = 90;
  const t = m.timeline;
  const span = Math.max(1, t.end - t.start);
  const x = (ms: number): number => labelW + ((ms - t.start) / span) * (width - labelW - 8);
  root.setAttribute('viewBox', `0 0 ${width} ${Math.max(1, t.lanes.length) * laneH + 18}`);
  root.setAttribute('height', String(Math.max(1, t.lanes.length) * laneH + 18));
  const parts: SVGElement[] = [];
  t.lanes.forEach((lane, i) => {
    const y = i * laneH;
    const name = svg('text', { x: 0, y: y + 15, class: 'lane' });
    name.textContent = lane.agent;
    parts.push(name);
    for (const r of lane.runs) {
      const rect = svg('rect', { x: x(r.start), y: y + 3, width: Math.max(2, x(r.end) - x(r.start)), height: laneH - 6, rx: 3, class: `run status-${r.status}` });
      if (r.status === 'waiting_quota') rect.style.fill = AGENT_WAIT_COLORS.quota;
      const tip = svg('title');
      tip.textContent = `${r.task}: ${r.status === 'waiting_quota' ? 'stopped by a rate limit' : r.status}, ${duration(r.end - r.start)}`;
      rect.appendChild(tip);
      rect.addEventListener('click', () => select(r.task));
      parts.push(rect);
    }
  });
  const axis = svg('text', { x: width - 8, y: t.lanes.length * laneH + 14, 'text-anchor': 'end', class: 'lane' });
  axis.textContent = duration(span);
  parts.push(axis);
  root.replaceChildren(...parts);
}

const METRIC_LABELS: [string, string, (v: unknown) => string][] = [
  ['task_completion_rate_per_min', 'Tasks per minute', (v) => String(v)],
  ['agent_utilization', 'Executor utilization', (v) => `${Math.round(Number(v) * 100)}%`],
  ['parallel_efficiency', 'Parallel efficiency', (v) => `${Math.round(Number(v) * 100)}%`],
  ['error_rate', 'Error rate', (v) => `${Math.round(Number(v) * 100)}%`],
  ['coordination_overhead_ms', 'Dispatch latency (mean)', (v) => `${(v as { mean?: number }).mean ?? 0}ms`],
  ['event_latency_ms', 'Event latency (mean)', (v) => `${(v as { mean?: number }).mean ?? 0}ms`],
  ['agent_startup_ms', 'Agent startup (mean)', (v) => `${(v as { mean?: number }).mean ?? 0}ms`],
  ['recovery_time_ms', 'Recoveries', (v) => `${(v as { count?: number }).count ?? 0}`],
];

function renderMetrics(): void {
  const rows = METRIC_LABELS.filter(([k]) => k in metrics).map(([k, label, fmt]) => el('tr', {}, el('th', { text: label }), el('td', { text: fmt(metrics[k]) })));
  $('metrics').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { text: 'No metrics yet.' }))]));
}

function renderAlerts(m: DashboardModel): void {
  const box = $('alerts');
  box.replaceChildren(...(m.alerts.length ? [...m.alerts].reverse().map((a) => el('li', { className: `alert alert-${a.kind}`, text: a.message, title: new Date(a.at).toLocaleTimeString() })) : [el('li', { className: 'muted', text: 'No alerts.' })]));
}

function renderLog(m: DashboardModel): void {
  const task = persisted.selected;
  const node = task ? m.graph.nodes.find((n) => n.id === task) : undefined;
  $('log-title').textContent = node ? `Log of ${node.id} (${taskStatusLabel(node.status)})` : 'Log';
  const pre = $('log');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = task ? logText || '(no output yet)' : 'Select a task in the graph to follow its log.';
  if (atBottom) pre.scrollTop = pre.scrollHeight;
  const canAct = liveness === 'here' || (liveness === 'none' && m.status !== 'completed');
  $<HTMLButtonElement>('retry').disabled = !node || !canAct || !['failed', 'cancelled', 'skipped'].includes(node.status);
  $<HTMLButtonElement>('cancel').disabled = !node || liveness !== 'here' || !['running', 'queued', 'pending', 'retrying', 'waiting_quota'].includes(node.status);
  $<HTMLButtonElement>('open-log').disabled = !node;
}

function wire(): void {
  $('open-log').addEventListener('click', () => persisted.selected && post({ type: 'openLog', task: persisted.selected }));
  $('retry').addEventListener('click', () => persisted.selected && post({ type: 'retryTask', task: persisted.selected }));
  $('cancel').addEventListener('click', () => persisted.selected && post({ type: 'cancelTask', task: persisted.selected }));
  window.addEventListener('resize', schedule);
  // Elapsed times and the timeline's right edge move while tasks run.
  setInterval(() => state?.status === 'running' && schedule(), 1000);
  post({ type: 'ready' });
}

wire();
