// The dashboard's panel about coding agents: what each agent task's agent does now (or why it
// waits), its turns, cost and tokens, the permissions it was refused, and what the session's
// agents have spent in all. Styles go through the CSSOM, which the CSP allows.
import type { AgentRow, DashboardModel } from '../shared/dashboardModel';
import { $, el } from './dom';

/** The colors of an agent that waits: on its own API retry, or for quota. */
export const AGENT_WAIT_COLORS: Record<NonNullable<AgentRow['waiting']>, string> = {
  retry: 'var(--vscode-charts-yellow)',
  quota: 'var(--vscode-charts-orange)',
};

const WARNING = 'var(--vscode-editorWarning-foreground)';

/** What these panels need besides the model. */
export interface AgentPanelContext {
  /** Shows the task's log below (the graph's click). */
  select(task: string): void;
}

/** The header's line about a pause: why, said first when the milestone's budget is spent. */
export function pauseText(m: DashboardModel): string {
  if (!m.pauseReason) return '';
  return m.pausedBy === 'budget' ? `Budget spent${m.spend ? ` (agents spent ${m.spend.text})` : ''}: ${m.pauseReason}` : m.pauseReason;
}

/** `2 running · 1 waiting for quota`: for the progress line. */
export function quotaProgressText(m: DashboardModel): string {
  return m.waitingQuota ? ` · ${m.waitingQuota} waiting for quota` : '';
}

function tooltip(t: { id: string; statusText: string }, a: AgentRow): string {
  return [
    `${t.id}: ${t.statusText}`,
    `Model: ${a.model ?? 'not reported yet'}`,
    a.sessionId ? `Conversation: ${a.sessionId}${a.continued ? ' (continued)' : ''}` : '',
    `${a.actions} tool call${a.actions === 1 ? '' : 's'}`,
    a.subtype ? `Result: ${a.subtype}` : '',
    a.tokens ? `Tokens: ${a.tokens}` : '',
    ...a.denials.map((d) => `Denied: ${d}`),
  ]
    .filter(Boolean)
    .join('\n');
}

const cell = (text: string, align: 'left' | 'right' = 'left'): HTMLTableCellElement => {
  const td = el('td', { text });
  td.style.textAlign = align;
  td.style.padding = '2px 10px 2px 0';
  return td;
};

/** The coding agents' card: hidden while the session has no agent task that started. */
export function renderAgentRuns(m: DashboardModel, c: AgentPanelContext): void {
  const tasks = m.tasks.filter((t) => t.agent !== null);
  const card = $('coding-card');
  card.hidden = tasks.length === 0 && m.spend === null;
  if (card.hidden) return;
  const spend = m.spend ? `${m.spend.text} spent · tokens ${m.spend.tokensText}${m.spend.costUnknown ? ' · some agent does not report its cost' : ''}` : 'No cost reported yet';
  $('coding-spend').textContent = [spend, m.agentLimit, m.waitingQuota ? `${m.waitingQuota} waiting for quota` : ''].filter(Boolean).join(' · ');
  const head = el('tr', {}, ...(['Task', 'Status', 'Now', 'Turns', 'Cost', 'Tokens'] as const).map((h, i) => {
    const th = el('th', { text: h });
    th.style.textAlign = i >= 3 ? 'right' : 'left';
    return th;
  }));
  const rows = tasks.flatMap((t) => {
    const a = t.agent!;
    const now = cell(a.now);
    if (a.waiting) {
      now.style.color = AGENT_WAIT_COLORS[a.waiting];
      now.style.fontWeight = '600';
    }
    const tr = el('tr', { title: tooltip(t, a) }, cell(t.id), cell(t.statusText), now, cell(a.turns === null ? '' : String(a.turns), 'right'), cell(a.cost, 'right'), cell(a.tokens, 'right'));
    tr.dataset.task = t.id;
    tr.style.cursor = 'pointer';
    tr.addEventListener('click', () => c.select(t.id));
    if (!a.denials.length) return [tr];
    const denied = el('td', { text: `⚠ ${a.denials.length} permission${a.denials.length === 1 ? '' : 's'} denied: ${a.denials.join('; ')}` });
    denied.colSpan = 6;
    denied.style.textAlign = 'left';
    denied.style.color = WARNING;
    denied.style.padding = '0 0 4px 12px';
    const note = el('tr', {}, denied);
    note.dataset.denials = t.id;
    return [tr, note];
  });
  $('coding-tasks').replaceChildren(head, ...rows);
}
