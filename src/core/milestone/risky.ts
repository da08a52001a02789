// Commands a careful reviewer would stop and ask about. Matching shell text with patterns
// cannot be complete; it catches the common destructive forms, and `allow_risky: true`
// is the explicit way through.
export interface RiskyFinding {
  reason: string;
}

// Pieces shared by several patterns, as regex source.
/** The home directory at the start of a word: `~`, `~/x`, `~user`, `$HOME`, `${HOME}`, maybe quoted. */
const HOME = String.raw`["']?(?:~|\$HOME\b|\$\{HOME\})`;
/** A directory surely outside the workspace: the root or any absolute path but /tmp, or the home. */
const ELSEWHERE = String.raw`["']?(?:\/(?!tmp(?:\/|["'\s;&|]|$))|~|\$HOME\b|\$\{HOME\})`;
/** The same, or the parent directory. */
const OUTSIDE_DIR = String.raw`(?:${ELSEWHERE}|["']?\.\.(?=\/|["'\s;&|]|$))`;
/** Any text without another `cd`, which may go back into the workspace; scripts span lines. */
const NO_CD = String.raw`(?:(?!\bcd\b)[\s\S])*?`;
/** A command that runs the script it is given: a shell, `source`, `.` or `eval`. */
const RUNNER = String.raw`(?:^|[\s;&|(])(?:sudo\s+)?(?:(?:ba|z|da|k)?sh|source|\.|eval)`;
const DOWNLOAD = String.raw`\s*(?:sudo\s+)?(?:curl|wget)\b`;

const PATTERNS: { re: RegExp; reason: string }[] = [
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*(?:--no-preserve-root\s+)?(?:-[a-zA-Z]*\s+)*["']?\/(?:\*)?["']?(?:\s|$|;|&|\|)/, reason: 'deletes the root directory' },
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*["']?(?:~|\$HOME|\$\{HOME\})\/?\*?["']?(?:\s|$|;|&|\|)/, reason: 'deletes the home directory' },
  { re: new RegExp(String.raw`\brm\s[^;&|\n]*?(?:^|\s)${HOME}`), reason: 'deletes files in the home directory, outside the workspace (keys, settings and other projects live there)' },
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*[^;&|]*?(?:^|\s)["']?(?:\.\.\/|\/(?!tmp\/|dev\/null))[^\s;&|]*/, reason: 'deletes files outside the workspace' },
  // `rm` of a relative path deletes wherever the shell is: after `cd /`, that is everything.
  // (`cd ..` is left out: scripts use it to come back from a subfolder of the workspace.)
  {
    re: new RegExp(String.raw`\bcd\s+(?:-[LP]\s+)?${ELSEWHERE}[^;&\n]*[;&\n]${NO_CD}\brm\s`),
    reason: 'changes to a directory outside the workspace and deletes files from there',
  },
  {
    re: new RegExp(String.raw`\bfind\s+(?:-[HLP]\s+)*${OUTSIDE_DIR}[^;&|\n]*?\s-(?:delete\b|exec(?:dir)?\s+(?:sudo\s+)?rm\b)|\bfind\s+(?:-[HLP]\s+)*${OUTSIDE_DIR}[^;&\n]*\|\s*xargs\s+(?:-\S+\s+)*(?:sudo\s+)?rm\b`),
    reason: 'deletes the files it finds outside the workspace',
  },
  { re: /\bgit\s+push\b[^;&|]*\s(?:--force(?!-with-lease)|-f\b|--mirror\b)/, reason: 'force-pushes (rewrites remote history)' },
  { re: /\bgit\s+push\b[^;&|]*\s\+[\w./-]+/, reason: 'force-pushes a refspec (rewrites remote history)' },
  { re: /\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b/, reason: 'pipes a download into a shell' },
  // `bash <(curl …)` and `sh -c "$(curl …)"` are the same as `curl … | sh`, spelt differently.
  {
    re: new RegExp(String.raw`${RUNNER}(?:\s+-[a-zA-Z]+)*\s+<\(${DOWNLOAD}|${RUNNER}(?:\s+-[a-zA-Z]+)*\s+["']?(?:\$\(|\`)${DOWNLOAD}`),
    reason: 'runs a downloaded script unread (a shell executes whatever curl or wget fetched)',
  },
  { re: /\bmkfs(?:\.\w+)?\b/, reason: 'formats a file system' },
  { re: /\bdd\b[^;&|]*\bof=\/dev\/(?!null\b)/, reason: 'writes to a raw device' },
  { re: /:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/, reason: 'is a fork bomb' },
  { re: /\bchmod\s+(?:-[a-zA-Z]*\s+)*-R\s+[0-7]*7[0-7]*\s+\/(?:\s|$)/, reason: 'changes permissions of the whole file system' },
  { re: /\bgit\s+(?:reset\s+--hard|clean\s+-[a-zA-Z]*f[a-zA-Z]*d|clean\s+-[a-zA-Z]*d[a-zA-Z]*f)\b/, reason: 'throws away uncommitted work' },
];

/** Absolute paths inside the workspace are fine to delete; the patterns do not know it. */
export function findRiskyCommand(command: string, workspace?: string): RiskyFinding | undefined {
  const text = workspace ? relativeToWorkspace(command, workspace) : command;
  for (const { re, reason } of PATTERNS) if (re.test(text)) return { reason };
  return undefined;
}

/**
 * `/ws/build` becomes `./build`. The workspace itself stays absolute, since deleting all of it
 * is risky, except as the target of `cd` (`cd /ws && rm -rf dist` is an ordinary cleanup).
 */
function relativeToWorkspace(command: string, workspace: string): string {
  const root = workspace.replace(/\/+$/, '');
  if (!root) return command;
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return command
    .split(`${root}/`)
    .join('./')
    .replace(new RegExp(String.raw`(\bcd\s+["']?)${escaped}(?=["'\s;&|)]|$)`, 'g'), '$1.');
}
