import { strict as assert } from 'node:assert';
import type { PreparedClaude } from '../../scripts/claude/prepare.mjs' with { 'resolution-mode': 'import' };
import { startNetworkTrap, type NetworkTrap } from './claudeCode';
import { startFakeAnthropic, type ConversationRequest, type FakeAnthropic, type FakeAnthropicOptions } from './fakeAnthropic';

/**
 * Mocha hooks for a suite that runs the real Claude Code CLI offline: the CLI installed
 * once (scripts/claude/prepare.mjs), and per test a fake of the Messages API on loopback
 * plus a trap for anything else the CLI tries to reach, both closed after the test.
 */
export interface RealClaude {
  /** The installed CLI (set once the suite's `before` ran). */
  readonly cli: PreparedClaude;
  serve(script: FakeAnthropicOptions['script']): Promise<{ fake: FakeAnthropic; trap: NetworkTrap }>;
}

export function useRealClaude(): RealClaude {
  let cli: PreparedClaude | undefined;
  let open: { fake: FakeAnthropic; trap: NetworkTrap } | undefined;
  before(async function () {
    // A cold install downloads a ~400 MB binary from the npm registry.
    this.timeout(10 * 60_000);
    const { prepareClaude } = await import('../../scripts/claude/prepare.mjs');
    cli = await prepareClaude({ log: (m) => process.stderr.write(`[prepare-claude] ${m}\n`) });
  });
  afterEach(async () => {
    await open?.fake.close();
    await open?.trap.close();
    open = undefined;
  });
  return {
    get cli(): PreparedClaude {
      assert.ok(cli, 'the CLI is prepared in the suite\'s before hook');
      return cli;
    },
    async serve(script) {
      open = { fake: await startFakeAnthropic({ script }), trap: await startNetworkTrap() };
      return open;
    },
  };
}

/** The folder the agent works in, as Claude Code tells the model in its system prompt. */
export function workingDirectoryOf(r: Pick<ConversationRequest, 'body'>): string {
  const m = /Primary working directory: ([^\s"\\]+)/.exec(JSON.stringify(r.body));
  assert.ok(m, 'the system prompt names the working directory');
  return m[1]!;
}
