import { passesPrompt, usableProfiles } from '../core/milestone/profiles';
import type { MilestoneServerSettings } from '../shared/languageProtocol';

export interface ServerSettings {
  agentProfiles: Record<string, string[]>;
}

/**
 * Settings come from a JSON file the user edits, so every entry is checked: a malformed
 * profile is left out and named in `problems` instead of breaking validation for all.
 */
export function readSettings(value: unknown): { settings: ServerSettings; problems: string[] } {
  const problems: string[] = [];
  const raw = isRecord(value) ? (value as MilestoneServerSettings).agentProfiles : undefined;
  if (raw === undefined || raw === null) return { settings: { agentProfiles: {} }, problems };
  if (!isRecord(raw)) {
    problems.push('milestones.agentProfiles should map profile names to argument vectors; it is ignored.');
    return { settings: { agentProfiles: {} }, problems };
  }
  const { profiles, rejected } = usableProfiles(raw);
  for (const name of rejected) {
    problems.push(`milestones.agentProfiles.${name} should be a non-empty list of strings that starts with the program to run, e.g. ["${name}", "{prompt}"]; it is ignored.`);
  }
  // Kept, as a milestone's own profile without {prompt} is, with the same warning.
  for (const [name, argv] of Object.entries(profiles)) {
    if (!passesPrompt(argv)) problems.push(`milestones.agentProfiles.${name} has no {prompt} argument, so the task's prompt is never passed: add "{prompt}" where it goes.`);
  }
  return { settings: { agentProfiles: profiles }, problems };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Settings per document, read once and kept until the configuration changes. The options
 * object keeps its identity while it is cached, which is what tells the analysis cache
 * that the settings an analysis used are still the current ones.
 */
export class SettingsCache {
  private readonly byUri = new Map<string, Promise<{ profiles: Record<string, string[]> }>>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly fetch: (uri: string) => Promise<unknown>,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  optionsFor(uri: string): Promise<{ profiles: Record<string, string[]> }> {
    let hit = this.byUri.get(uri);
    if (!hit) {
      hit = this.fetch(uri).then(
        (raw) => {
          const { settings, problems } = readSettings(raw);
          for (const p of problems) {
            // The same problem is asked about for every open document; say it once.
            if (this.reported.has(p)) continue;
            this.reported.add(p);
            this.warn(p);
          }
          return { profiles: settings.agentProfiles };
        },
        (err: unknown) => {
          this.warn(`Could not read the milestones.* settings: ${err instanceof Error ? err.message : String(err)}; using the defaults.`);
          return { profiles: {} };
        },
      );
      this.byUri.set(uri, hit);
    }
    return hit;
  }

  reset(): void {
    this.byUri.clear();
    this.reported.clear();
  }
}
