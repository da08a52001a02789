// Types of prepare.mjs for the TypeScript end-to-end tests.
export interface PreparedEditor {
  node24: string;
  codeServer: string;
  chromium: string;
  playwrightCore: string;
  cacheDir: string;
}
export const VERSIONS: Record<string, string>;
export function editorCacheDir(): string;
export function prepareEditor(options?: { log?: (m: string) => void }): Promise<PreparedEditor>;
