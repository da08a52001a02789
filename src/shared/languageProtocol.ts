// Everything the extension and the language server say to each other beyond LSP itself,
// declared once, here, so both sides type-check against the same names and shapes: the
// client (src/extension/languageClient.ts) and the server (src/server/server.ts) import
// these instead of writing a method or section name of their own.
import { RequestType, type Diagnostic } from 'vscode-languageserver-protocol';

/**
 * The settings section both sides use: the server reads it through
 * `workspace/configuration`, the client syncs it, and it names the client, so that VS Code
 * finds the trace setting at `milestones.trace.server`.
 */
export const SETTINGS_SECTION = 'milestones';

/** `milestones.*` settings the server uses. */
export interface MilestoneServerSettings {
  /** Agent profiles on top of the built-in ones: a name and its argument vector with `{prompt}`. */
  agentProfiles?: Record<string, string[]>;
}

/** What the client passes in `initialize`. */
export interface MilestoneInitializationOptions {
  /**
   * False in an untrusted workspace: then no tool is run (`tool --version`) and none is
   * looked up, since the workspace must not get to pick what executes. Missing means trusted.
   */
  trusted?: boolean;
  /** Settings for clients that cannot answer `workspace/configuration`. */
  settings?: MilestoneServerSettings;
}

/** Our methods live under `milestones/`, apart from LSP's own and from other servers'. */
const METHOD_NAMESPACE = 'milestones';

function request<P, R>(name: string): RequestType<P, R, void> {
  return new RequestType<P, R, void>(`${METHOD_NAMESPACE}/${name}`);
}

export interface ValidateNowParams {
  uri: string;
}

export interface ValidateNowResult {
  /** Everything, tool checks included, exactly as published for the document. */
  diagnostics: Diagnostic[];
}

/**
 * `milestones/validateNow`: validates an open milestone document at once, without the
 * typing debounce, and answers when the tool checks have finished too; null when the server
 * does not handle that document.
 */
export const ValidateNowRequest = request<ValidateNowParams, ValidateNowResult | null>('validateNow');
