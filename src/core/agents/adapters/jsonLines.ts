// Reading an agent's JSON Lines output: one object a line, anything else ignored (it stays
// in the log), typed access to fields that may be missing or of another type, and its text
// made one short line.

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
export const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** An action (`Write src/login.ts`) is short enough for a tree item. */
export const ACTION_LENGTH = 120;

/** Text the agent sent (a command, a path, an error) as one line of at most `max` characters. */
export function shortLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/** The line's JSON object with a string `type`; undefined for text, other JSON, or a torn line. */
export function jsonEvent(raw: string): (Obj & { type: string }) | undefined {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const o = obj(JSON.parse(trimmed));
    return o && typeof o.type === 'string' ? (o as Obj & { type: string }) : undefined;
  } catch {
    return undefined;
  }
}
