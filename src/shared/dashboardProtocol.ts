// Messages between the extension and the dashboard webview, checked on both sides: a
// webview is a web page, and nothing it sends is trusted without a look.
import { isValidId } from '../core/ids';
import { isJournalEvent, type JournalEvent, type MergeResolution } from '../core/session/events';

import type { Liveness } from './presentation';

export type { Liveness };

export type ToWebview =
  | { type: 'session'; sessionId: string; events: JournalEvent[]; liveness: Liveness }
  | { type: 'events'; sessionId: string; events: JournalEvent[] }
  | { type: 'liveness'; sessionId: string; liveness: Liveness }
  | { type: 'metrics'; sessionId: string; metrics: Record<string, unknown> }
  | { type: 'log'; sessionId: string; task: string; text: string; reset: boolean }
  /** The session's live worktrees and the disk they use (`complete: false`: at least that much). */
  | { type: 'worktrees'; sessionId: string; count: number; bytes: number; complete: boolean }
  | { type: 'empty' };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'selectTask'; task: string }
  | { type: 'openLog'; task: string }
  | { type: 'retryTask'; task: string }
  | { type: 'cancelTask'; task: string }
  /** The same as the tree's merge commands: Mark Resolved, Let the Agent Resolve, Discard, Approve, Reject. */
  | { type: 'resolve'; task: string; how: MergeResolution }
  | { type: 'openConflict'; task: string }
  | { type: 'reviewChanges'; task: string };

const RESOLUTIONS: ReadonlySet<string> = new Set<MergeResolution>(['by_hand', 'agent', 'discard', 'approve', 'reject']);

const LIVENESS = new Set(['here', 'elsewhere', 'none']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Fields = Record<string, unknown>;

/**
 * A guard for a union of messages told apart by `type`: one check per type, and the mapped
 * type makes a new message type without its check a compile error.
 */
function guard<M extends { type: string }>(checks: { [T in M['type']]: (m: Fields) => boolean }): (v: unknown) => v is M {
  const byType: Record<string, ((m: Fields) => boolean) | undefined> = checks;
  return (v: unknown): v is M => isObj(v) && typeof v.type === 'string' && Object.hasOwn(byType, v.type) && byType[v.type]!(v);
}

const always = (): boolean => true;
const forTask = (m: Fields): boolean => isValidId(m.task);
const inSession = (m: Fields): boolean => isValidId(m.sessionId);
const withEvents = (m: Fields): boolean => inSession(m) && Array.isArray(m.events) && m.events.every(isJournalEvent);
const withLiveness = (m: Fields): boolean => LIVENESS.has(m.liveness as string);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export const isFromWebview = guard<FromWebview>({
  ready: always,
  selectTask: forTask,
  openLog: forTask,
  retryTask: forTask,
  cancelTask: forTask,
  resolve: (m) => forTask(m) && RESOLUTIONS.has(m.how as string),
  openConflict: forTask,
  reviewChanges: forTask,
});

export const isToWebview = guard<ToWebview>({
  empty: always,
  session: (m) => withEvents(m) && withLiveness(m),
  events: withEvents,
  liveness: (m) => inSession(m) && withLiveness(m),
  metrics: (m) => inSession(m) && isObj(m.metrics),
  log: (m) => inSession(m) && forTask(m) && typeof m.text === 'string' && typeof m.reset === 'boolean',
  worktrees: (m) => inSession(m) && isCount(m.count) && isCount(m.bytes) && typeof m.complete === 'boolean',
});
