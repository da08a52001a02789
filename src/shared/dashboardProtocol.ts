// Messages between the extension and the dashboard webview, checked on both sides: a
// webview is a web page, and nothing it sends is trusted without a look.
import { isValidId } from '../core/ids';
import { isJournalEvent, type JournalEvent } from '../core/session/events';

import type { Liveness } from './presentation';

export type { Liveness };

export type ToWebview =
  | { type: 'session'; sessionId: string; events: JournalEvent[]; liveness: Liveness }
  | { type: 'events'; sessionId: string; events: JournalEvent[] }
  | { type: 'liveness'; sessionId: string; liveness: Liveness }
  | { type: 'metrics'; sessionId: string; metrics: Record<string, unknown> }
  | { type: 'log'; sessionId: string; task: string; text: string; reset: boolean }
  | { type: 'empty' };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'selectTask'; task: string }
  | { type: 'openLog'; task: string }
  | { type: 'retryTask'; task: string }
  | { type: 'cancelTask'; task: string };

const LIVENESS = new Set(['here', 'elsewhere', 'none']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isFromWebview(v: unknown): v is FromWebview {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'ready':
      return true;
    case 'selectTask':
    case 'openLog':
    case 'retryTask':
    case 'cancelTask':
      return isValidId(v.task);
    default:
      return false;
  }
}

export function isToWebview(v: unknown): v is ToWebview {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'empty':
      return true;
    case 'session':
      return isValidId(v.sessionId) && Array.isArray(v.events) && v.events.every(isJournalEvent) && LIVENESS.has(v.liveness as string);
    case 'events':
      return isValidId(v.sessionId) && Array.isArray(v.events) && v.events.every(isJournalEvent);
    case 'liveness':
      return isValidId(v.sessionId) && LIVENESS.has(v.liveness as string);
    case 'metrics':
      return isValidId(v.sessionId) && isObj(v.metrics);
    case 'log':
      return isValidId(v.sessionId) && isValidId(v.task) && typeof v.text === 'string' && typeof v.reset === 'boolean';
    default:
      return false;
  }
}
