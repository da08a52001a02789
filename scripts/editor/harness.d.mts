// Types of harness.mjs for the TypeScript end-to-end tests.
import type { Browser, Page } from 'playwright-core';

export interface Editor {
  url: string;
  port: number;
  pid: number;
  workspace: string;
  root: string;
  userDataDir: string;
  extensionsDir: string;
  logsDir: string;
  output(): string;
  stop(): Promise<void>;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  screenshot(name: string): Promise<string>;
  runCommand(title: string): Promise<void>;
  consoleMessages(): string[];
  close(): Promise<void>;
}

export function startEditor(options: {
  workspace: string;
  vsix?: string | string[];
  extensionDirs?: string[];
  settings?: Record<string, unknown>;
  trust?: 'trusted' | 'restricted';
  timeoutMs?: number;
  log?: (m: string) => void;
}): Promise<Editor>;
export function openWorkbench(editor: Editor, options?: { screenshotsDir?: string; viewport?: { width: number; height: number }; timeoutMs?: number }): Promise<Workbench>;
export function runCommand(page: Page, title: string): Promise<void>;
export function openCommandPalette(page: Page): Promise<ReturnType<Page['locator']>>;
export function quickInputItems(page: Page): Promise<string[]>;
export function statusBarItems(page: Page): Promise<string[]>;
export function notificationMessages(page: Page): Promise<string[]>;
export function waitForNotification(page: Page, text: string, timeout?: number): Promise<string>;
export function showViewContainer(page: Page, title: string): Promise<void>;
export function treeItems(page: Page, viewTitle: string): Promise<string[]>;
export function problemsIn(page: Page, file: string): Promise<string[]>;
export function readExtensionHostLog(editor: Editor): Promise<string>;
export function readOutputChannel(editor: Editor, name: string): Promise<string>;
export function waitForExtensionHostLog(editor: Editor, pattern: RegExp, timeoutMs?: number): Promise<string>;
