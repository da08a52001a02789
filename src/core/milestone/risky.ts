// Commands a careful reviewer would stop and ask about. Matching shell text with patterns
// cannot be complete; it catches the common destructive forms, and `allow_risky: true`
// is the explicit way through.
export interface RiskyFinding {
  reason: string;
}

const PATTERNS: { re: RegExp; reason: string }[] = [
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*(?:--no-preserve-root\s+)?(?:-[a-zA-Z]*\s+)*["']?\/(?:\*)?["']?(?:\s|$|;|&|\|)/, reason: 'deletes the root directory' },
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*["']?(?:~|\$HOME|\$\{HOME\})\/?\*?["']?(?:\s|$|;|&|\|)/, reason: 'deletes the home directory' },
  { re: /\brm\s+(?:-[a-zA-Z]*\s+)*[^;&|]*?(?:^|\s)["']?(?:\.\.\/|\/(?!tmp\/|dev\/null))[^\s;&|]*/, reason: 'deletes files outside the workspace' },
  { re: /\bgit\s+push\b[^;&|]*\s(?:--force(?!-with-lease)|-f\b|--mirror\b)/, reason: 'force-pushes (rewrites remote history)' },
  { re: /\bgit\s+push\b[^;&|]*\s\+[\w./-]+/, reason: 'force-pushes a refspec (rewrites remote history)' },
  { re: /\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b/, reason: 'pipes a download into a shell' },
  { re: /\bmkfs(?:\.\w+)?\b/, reason: 'formats a file system' },
  { re: /\bdd\b[^;&|]*\bof=\/dev\/(?!null\b)/, reason: 'writes to a raw device' },
  { re: /:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/, reason: 'is a fork bomb' },
  { re: /\bchmod\s+(?:-[a-zA-Z]*\s+)*-R\s+[0-7]*7[0-7]*\s+\/(?:\s|$)/, reason: 'changes permissions of the whole file system' },
  { re: /\bgit\s+(?:reset\s+--hard|clean\s+-[a-zA-Z]*f[a-zA-Z]*d|clean\s+-[a-zA-Z]*d[a-zA-Z]*f)\b/, reason: 'throws away uncommitted work' },
];

/** Absolute paths inside the workspace are fine to delete; the patterns do not know it. */
export function findRiskyCommand(command: string, workspace?: string): RiskyFinding | undefined {
  const text = workspace ? command.split(workspace.endsWith('/') ? workspace : `${workspace}/`).join('./') : command;
  for (const { re, reason } of PATTERNS) if (re.test(text)) return { reason };
  return undefined;
}
