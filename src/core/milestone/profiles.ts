/** Agent profiles that ship with the extension; a milestone's `agents:` adds or overrides. */
export const DEFAULT_AGENT_PROFILES: Readonly<Record<string, readonly string[]>> = {
  claude: ['claude', '-p', '{prompt}', '--permission-mode', 'acceptEdits'],
  codex: ['codex', 'exec', '--full-auto', '{prompt}'],
  aider: ['aider', '--yes-always', '--message', '{prompt}'],
};

export function resolveProfiles(own: Record<string, string[]>, extra: Record<string, readonly string[]> = {}): Record<string, readonly string[]> {
  return { ...DEFAULT_AGENT_PROFILES, ...extra, ...own };
}

/** The prompt goes into argument slots, never through a shell. */
export function agentArgv(profile: readonly string[], prompt: string): string[] {
  return profile.map((arg) => arg.split('{prompt}').join(prompt));
}
