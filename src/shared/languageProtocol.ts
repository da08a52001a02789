// Everything the extension and the language server say to each other beyond LSP itself,
// declared once so both sides type-check against the same names and shapes.
import { RequestType, type Diagnostic } from 'vscode-languageserver-protocol';

/** The settings section the server reads through `workspace/configuration`. */
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

export interface ValidateNowParams {
  uri: string;
}

export interface ValidateNowResult {
  /** Everything, tool checks included, exactly as published for the document. */
  diagnostics: Diagnostic[];
}

/**
 * Validates an open milestone document at once, without the typing debounce, and answers
 * when the tool checks have finished too; null when the server does not handle that document.
 */
export const ValidateNowRequest = new RequestType<ValidateNowParams, ValidateNowResult | null, void>('milestones/validateNow');
