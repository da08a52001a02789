import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import type { ToolRequirement } from './model';

export const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export type ToolCheck =
  | { status: 'ok'; name: string; path: string; version?: string }
  | { status: 'missing'; name: string }
  | { status: 'version'; name: string; path: string; version?: string; range: string };

/** PATH lookup without a shell: the tool name never reaches one. */
export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  if (!TOOL_NAME.test(name)) return undefined;
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, constants.X_OK);
      const st = await fs.stat(candidate);
      if (st.isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** `tool --version`, first version-looking thing in its output, coerced to semver. */
export function readToolVersion(toolPath: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(toolPath, ['--version'], { timeout: timeoutMs, windowsHide: true, maxBuffer: 1 << 20 }, (_err, stdout, stderr) => {
      const text = `${String(stdout)}\n${String(stderr)}`;
      const m = /\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?/.exec(text) ?? /\b\d+\b/.exec(text);
      resolve(m ? (semver.coerce(m[0])?.version ?? undefined) : undefined);
    });
  });
}

/** Caches answers per PATH for a while: the language server asks on every keystroke. */
export class ToolChecker {
  private readonly cache = new Map<string, { at: number; value: Promise<ToolCheck> }>();

  constructor(private readonly ttlMs = 30_000) {}

  check(req: ToolRequirement, envPath = process.env.PATH ?? ''): Promise<ToolCheck> {
    const key = `${envPath}\u0000${req.name}\u0000${req.range ?? ''}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = checkTool(req, envPath);
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  clear(): void {
    this.cache.clear();
  }
}

export async function checkTool(req: ToolRequirement, envPath = process.env.PATH ?? ''): Promise<ToolCheck> {
  const found = await findOnPath(req.name, envPath);
  if (!found) return { status: 'missing', name: req.name };
  if (!req.range) return { status: 'ok', name: req.name, path: found };
  const version = await readToolVersion(found);
  const ok = version !== undefined && semver.satisfies(version, req.range, { includePrerelease: true });
  if (ok) return { status: 'ok', name: req.name, path: found, version };
  return version === undefined
    ? { status: 'version', name: req.name, path: found, range: req.range }
    : { status: 'version', name: req.name, path: found, version, range: req.range };
}
