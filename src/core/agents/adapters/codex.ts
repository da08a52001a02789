// Placeholder replaced by the Codex adapter (codex exec --json): until then, Codex runs as a generic agent.
import { agentArgv } from '../../milestone/profiles';
import type { Adapter } from './adapter';

export const codexAdapter: Adapter = {
  kind: 'codex',
  newSessionId: () => null,
  argv: (profile, run) => agentArgv(profile, run.prompt),
  reader: () => undefined,
};
