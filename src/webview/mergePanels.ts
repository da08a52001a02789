// The dashboard's panels about worktrees and merges: the tasks whose result waits for the
// user, with the tree's actions, and where each task ran with what became of its result.
import type { MergeResolution } from '../core/session/events';
import type { DashboardModel } from '../shared/dashboardModel';
import type { FromWebview, Liveness } from '../shared/dashboardProtocol';
import { $, button, el, formatBytes } from './dom';

/** The color of a status that waits for the user (merge or review), wherever it is drawn. */
export const AWAITING_COLORS: Partial<Record<string, string>> = {
  needs_merge: 'var(--vscode-charts-orange)',
  in_review: 'var(--vscode-charts-purple)',
};

/** What these panels need besides the model. */
export interface MergePanelContext {
  liveness: Liveness;
  /** The disk the session's live worktrees use, once measured. */
  usage: { sessionId: string; bytes: number; complete: boolean } | undefined;
  sessionId: string | undefined;
  post(message: FromWebview): void;
}

let attentionKey = '';

/** A new session is shown: the attention panel is drawn afresh. */
export function resetMergePanels(): void {
  attentionKey = '';
}

export /**
 * Tasks whose result waits for the user, each with the tree's actions. Redrawn only when
 * what it shows changes: a button replaced under the pointer would lose its click.
 */
function renderAttention(m: DashboardModel, c: MergePanelContext): void {
  const waiting = m.tasks.filter((t) => t.awaiting);
  const readOnly = c.liveness === 'elsewhere';
  const key = JSON.stringify([waiting, readOnly, m.branch]);
  if (key === attentionKey) return;
  attentionKey = key;
  const card = $('attention');
  card.hidden = waiting.length === 0;
  card.style.borderLeft = '4px solid var(--vscode-charts-orange)';
  const resolve = (task: string, how: MergeResolution) => (): void => c.post({ type: 'resolve', task, how });
  const why = readOnly ? 'Another process runs this session: resolve it there.' : '';
  $('attention-list').replaceChildren(
    ...waiting.map((t) => {
      const badge = el('span', { className: 'badge', text: t.statusText });
      badge.style.background = AWAITING_COLORS[t.status] ?? '';
      const head = el('div', {}, el('strong', { text: t.id }), document.createTextNode(` ${t.title !== t.id ? `— ${t.title} ` : ''}`), badge);
      const detail = el('div', {
        className: 'muted',
        text: [t.branch ? `${t.branch}` : '', t.changes, t.conflicts.length ? `conflicts in ${t.conflicts.join(', ')}` : t.awaiting === 'review' ? `merges into ${m.branch ?? 'the milestone branch'} once approved` : ''].filter(Boolean).join(' · '),
      });
      const actions = el('div', { className: 'actions' });
      if (t.awaiting === 'merge') {
        actions.append(
          button('Open in Merge Editor', 'The task’s side against the milestone branch’s, in the merge editor', () => c.post({ type: 'openConflict', task: t.id }), readOnly),
          button('Mark Resolved', 'Merge the task’s worktree as it is now, conflicts resolved', resolve(t.id, 'by_hand'), readOnly),
          ...(t.kind === 'agent' ? [button('Let the Agent Resolve', 'Run the task’s agent again to resolve the conflict', resolve(t.id, 'agent'), readOnly)] : []),
          button('Discard…', 'Drop the task’s result (its commits stay reachable)', resolve(t.id, 'discard'), readOnly),
        );
      } else {
        actions.append(
          button('Review Changes', 'What the task changed, in the diff editor', () => c.post({ type: 'reviewChanges', task: t.id })),
          button('Approve', 'Merge the task’s result', resolve(t.id, 'approve'), readOnly),
          button('Reject…', 'Drop the task’s result (its commits stay reachable)', resolve(t.id, 'reject'), readOnly),
        );
      }
      const row = el('div', { className: 'attention-task', title: why }, head, detail, actions);
      row.dataset.task = t.id;
      row.style.padding = '6px 0';
      actions.style.marginTop = '4px';
      return row;
    }),
  );
}

export /** Where each task ran and what became of its result, with the live worktrees and the disk they use. */
function renderIsolation(m: DashboardModel, c: MergePanelContext): void {
  const card = $('isolation-card');
  const relevant = m.worktrees.integration !== null || m.tasks.some((t) => t.isolation === 'worktree' || t.branch !== null);
  card.hidden = !relevant;
  if (!relevant) return;
  const n = m.worktrees.live;
  const measured = c.usage && c.usage.sessionId === c.sessionId ? `${c.usage.complete ? '' : 'at least '}${formatBytes(c.usage.bytes)} on disk` : 'measuring the disk they use…';
  const waiting = [m.awaiting.merge ? `${m.awaiting.merge} need${m.awaiting.merge === 1 ? 's' : ''} merge` : '', m.awaiting.review ? `${m.awaiting.review} in review` : ''].filter(Boolean).join(' · ');
  $('worktrees-text').textContent = `${n} live worktree${n === 1 ? '' : 's'}${n ? ` · ${measured}` : ''}${waiting ? ` · ${waiting}` : ''}${m.worktrees.integration ? ` · integrated in ${m.worktrees.integration}` : ''}`;
  const left = (cell: HTMLElement): HTMLElement => {
    cell.style.textAlign = 'left';
    cell.style.padding = '2px 10px 2px 0';
    return cell;
  };
  const head = el('tr', {}, ...['Task', 'Status', 'Runs in', 'Branch', 'Changes', 'Merge'].map((h) => left(el('th', { text: h }))));
  const rows = m.tasks.map((t) => {
    const status = left(el('td', { text: t.statusText }));
    const color = AWAITING_COLORS[t.status];
    if (color) {
      status.style.color = color;
      status.style.fontWeight = '600';
    }
    const tr = el(
      'tr',
      { title: t.worktree ? `Worktree: ${t.worktree}` : '' },
      left(el('td', { text: t.id })),
      status,
      left(el('td', { text: t.isolation === 'worktree' ? (t.worktree ? 'own worktree' : 'own worktree (removed)') : 'shared' })),
      left(el('td', { text: t.branch ?? '' })),
      left(el('td', { text: t.changes })),
      left(el('td', { text: t.conflicts.length ? `conflicts in ${t.conflicts.join(', ')}` : t.merge })),
    );
    tr.dataset.task = t.id;
    return tr;
  });
  $('isolation').replaceChildren(head, ...rows);
}
