/**
 * Names and limits shared by the extension's modules. Kept free of `vscode` imports so that unit
 * tests can load every module that depends on them without a VS Code host.
 */

/** Client id: also the settings prefix, which vscode-languageclient reads `trace.server` from. */
export const CLIENT_ID = 'sessionLsp';
export const CLIENT_NAME = 'Session LSP';

/** The `source` the server puts on its diagnostics; the status bar counts only these. */
export const DIAGNOSTIC_SOURCE = 'session-lsp';

/** Where Claude Code keeps its transcripts; always part of the document selector. */
export const DEFAULT_TRANSCRIPT_GLOB = '**/.claude/projects/**/*.jsonl';

/** VS Code's built-in language id for JSON Lines (VS Code >= 1.79). */
export const JSONL_LANGUAGE_ID = 'jsonl';

/**
 * VS Code never hands a text model larger than this to extensions (`TextModel._MODEL_SYNC_LIMIT`,
 * counted in UTF-16 code units). UTF-8 never takes fewer bytes than UTF-16 code units, so a file
 * whose byte size is at or below this limit is always synced.
 */
export const EXTENSION_SYNC_LIMIT = 50 * 1024 * 1024;

/** Oldest Python the server supports (its `requires-python`). */
export const MINIMUM_PYTHON = { major: 3, minor: 11 } as const;

/**
 * Commands the server registers (workspace/executeCommand); their arguments are positional. The
 * one place the client names them (a unit test holds every other module to it), checked against
 * the server's contract, `commands.schema.json`.
 */
export const ServerCommands = {
  fixAll: 'sessionLsp.fixAll',
  forkSession: 'sessionLsp.forkSession',
  checkFile: 'sessionLsp.checkFile',
  fixFile: 'sessionLsp.fixFile',
  restoreBackup: 'sessionLsp.restoreBackup',
  listSessions: 'sessionLsp.listSessions',
  conversation: 'sessionLsp.conversation',
  search: 'sessionLsp.search',
  searchSessions: 'sessionLsp.searchSessions',
  item: 'sessionLsp.item',
} as const;

/** Server commands that write files; refused in untrusted workspaces. */
export const FILE_WRITING_SERVER_COMMANDS: ReadonlySet<string> = new Set([
  ServerCommands.forkSession,
  ServerCommands.fixFile,
  ServerCommands.restoreBackup,
]);

/**
 * The extension's own VS Code commands. They live under `sessionLsp.client.` so that they never
 * clash with the server's commands, which vscode-languageclient registers under their own names.
 */
export const ClientCommands = {
  restart: 'sessionLsp.client.restart',
  showLogs: 'sessionLsp.client.showLogs',
  fixAll: 'sessionLsp.client.fixAll',
  forkSession: 'sessionLsp.client.forkSession',
  checkFileOnDisk: 'sessionLsp.client.checkFileOnDisk',
  restoreBackup: 'sessionLsp.client.restoreBackup',
} as const;
