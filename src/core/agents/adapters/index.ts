import type { AdapterKind } from '../../milestone/model';
import { agentArgv } from '../../milestone/profiles';
import type { Adapter } from './adapter';
import { claudeAdapter } from './claude';
import { codexAdapter } from './codex';

/** Plain text: the prompt goes into the profile, the exit code decides. */
const genericAdapter: Adapter = {
  kind: 'generic',
  newSessionId: () => null,
  argv: (profile, run) => agentArgv(profile, run.prompt),
  reader: () => undefined,
};

const ADAPTERS: Readonly<Record<AdapterKind, Adapter>> = { claude: claudeAdapter, codex: codexAdapter, generic: genericAdapter };

export function adapterFor(kind: AdapterKind): Adapter {
  return ADAPTERS[kind];
}
