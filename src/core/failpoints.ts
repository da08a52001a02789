/**
 * Test-only fault injection, read from MILESTONE_AGENTS_FAILPOINTS (e.g.
 * `executor.crash_on=build,journal.fail_on=task_started`): it lets the integration tests
 * make a real worker crash or hang, or a real journal write fail, at a chosen point, which
 * nothing else can do on demand.
 */
export function failpoint(name: string): string | undefined {
  const spec = process.env.MILESTONE_AGENTS_FAILPOINTS;
  if (!spec) return undefined;
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    if (k?.trim() === name) return (v ?? '').trim();
  }
  return undefined;
}
