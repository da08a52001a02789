import * as path from 'node:path';
import type { AdapterKind, AgentProfile } from './model';

/** Where the task's prompt goes in a profile's argument vector. */
export const PROMPT_SLOT = '{prompt}';

/** Agent profiles that ship with the extension; a milestone's `agents:` adds or overrides. */
export const DEFAULT_AGENT_PROFILES: Readonly<Record<string, readonly string[]>> = {
  claude: ['claude', '-p', PROMPT_SLOT, '--permission-mode', 'acceptEdits'],
  codex: ['codex', 'exec', '--full-auto', PROMPT_SLOT],
  aider: ['aider', '--yes-always', '--message', PROMPT_SLOT],
};

/**
 * The one rule for an agent profile, wherever it is written (a milestone's `agents:`, the
 * editor's `milestones.agentProfiles`, the settings the language server reads): a non-empty
 * list of strings whose first element names the program, since that element is what gets
 * executed. `{prompt}` is not required: a profile without it still runs, it only never
 * receives the task's prompt, which `passesPrompt` lets each surface warn about.
 */
export function isAgentProfile(argv: unknown): argv is string[] {
  if (!Array.isArray(argv) || !argv.every((a): a is string => typeof a === 'string')) return false;
  const [program] = argv;
  return program !== undefined && program.trim() !== '';
}

export function passesPrompt(argv: readonly string[]): boolean {
  return argv.some((a) => a.includes(PROMPT_SLOT));
}

/**
 * The profiles of a name → argument vector map that a person edits (settings), by the rule
 * above: the usable ones, and the names of those left out so the caller can say so.
 */
export function usableProfiles(map: Readonly<Record<string, unknown>>): { profiles: Record<string, string[]>; rejected: string[] } {
  const profiles: Record<string, string[]> = {};
  const rejected: string[] = [];
  for (const [name, argv] of Object.entries(map)) {
    if (isAgentProfile(argv)) profiles[name] = [...argv];
    else rejected.push(name);
  }
  return { profiles, rejected };
}

/**
 * The adapter a plain argument vector gets, from its program's name: `claude` and `codex`
 * have theirs (`/usr/local/bin/claude` too); anything else is read as plain text.
 */
export function adapterOf(argv: readonly string[]): AdapterKind {
  const program = path.basename(argv[0] ?? '');
  return program === 'claude' ? 'claude' : program === 'codex' ? 'codex' : 'generic';
}

const profileOf = (command: readonly string[]): AgentProfile => ({ adapter: adapterOf(command), command: [...command] });

/** The profiles a task may name: the built-in ones, the editor's settings, then the milestone's own. */
export function resolveProfiles(own: Record<string, AgentProfile>, extra: Record<string, readonly string[]> = {}): Record<string, AgentProfile> {
  const out: Record<string, AgentProfile> = {};
  for (const [name, argv] of Object.entries({ ...DEFAULT_AGENT_PROFILES, ...extra })) out[name] = profileOf(argv);
  return { ...out, ...own };
}

/** The prompt goes into argument slots, never through a shell. */
export function agentArgv(profile: readonly string[], prompt: string): string[] {
  return profile.map((arg) => arg.split(PROMPT_SLOT).join(prompt));
}
