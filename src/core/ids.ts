// Ids become file names (logs/<task>.log, agents/<agent>.yaml) and branch names, so they
// are checked against one pattern before they are used for anything.
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const ID_RULE = 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64 characters';

export function isValidId(value: unknown): boolean {
  return typeof value === 'string' && ID_PATTERN.test(value) && !value.includes('..');
}

export function assertValidId(value: unknown, what: string): string {
  if (!isValidId(value)) {
    throw new Error(`Invalid ${what} ${JSON.stringify(value)}: use ${ID_RULE}.`);
  }
  return value as string;
}

// Git refuses some names that our id pattern allows (a trailing ".lock" or "."), so the
// branch name gets its own check on top of the id check of each segment.
const BRANCH_SEGMENT = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
export function isValidBranchName(branch: string): boolean {
  const segments = branch.split('/');
  return (
    segments.length <= 4 &&
    segments.every((s) => BRANCH_SEGMENT.test(s) && !s.endsWith('.lock') && !s.endsWith('.') && !s.includes('..'))
  );
}
