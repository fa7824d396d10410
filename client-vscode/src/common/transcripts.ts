/**
 * Which files are session transcripts, and when an opened one is beyond what VS Code hands to
 * language servers. No `vscode` import: the caller supplies paths, sizes and sync state.
 */
import { minimatch } from 'minimatch';
import { EXTENSION_SYNC_LIMIT } from './constants';

/**
 * True when `fsPath` matches one of the globs. VS Code's own glob matching (used for the
 * document selector) lets `**` cross dot-folders such as `.claude`, hence `dot: true`.
 */
export function isTranscriptPath(fsPath: string, globs: readonly string[]): boolean {
  const slashed = fsPath.replace(/\\/g, '/');
  return globs.some((glob) => minimatch(slashed, glob, { dot: true, nocase: process.platform === 'win32' }));
}

export interface OpenedFileFacts {
  readonly fsPath: string;
  /** Whether VS Code has given the document to extensions (it is in `workspace.textDocuments`). */
  readonly synced: boolean;
  readonly sizeInBytes: number;
}

/**
 * A transcript open in an editor that VS Code did not sync to extensions because it is larger
 * than the sync limit: the language server never sees it, so the user should be offered the
 * on-disk check instead. Smaller unsynced files are only not synced *yet*.
 */
export function needsDiskCheck(file: OpenedFileFacts, globs: readonly string[]): boolean {
  return !file.synced && file.sizeInBytes > EXTENSION_SYNC_LIMIT && isTranscriptPath(file.fsPath, globs);
}

/** `93.4 MB`: sizes in messages, in the same MB (2^20 bytes) unit VS Code's limit uses. */
export function formatMegabytes(sizeInBytes: number): string {
  return `${(sizeInBytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function largeFileMessage(fileName: string, sizeInBytes: number): string {
  return (
    `${fileName} is ${formatMegabytes(sizeInBytes)}. VS Code does not hand files over ` +
    `${formatMegabytes(EXTENSION_SYNC_LIMIT)} to language servers, so it gets no diagnostics in the editor. ` +
    'Session LSP can check it (and fix it) on disk instead.'
  );
}
