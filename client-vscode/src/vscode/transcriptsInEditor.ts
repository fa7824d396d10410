/** Finding the transcript the user is looking at, synced to extensions or not. */
import * as vscode from 'vscode';
import { JSONL_LANGUAGE_ID } from '../common/constants';
import { isTranscriptPath } from '../common/transcripts';

export function isTranscriptDocument(document: vscode.TextDocument, globs: readonly string[]): boolean {
  return document.uri.scheme === 'file' && document.languageId === JSONL_LANGUAGE_ID && isTranscriptPath(document.uri.fsPath, globs);
}

/** The file shown in the active tab, also for files VS Code did not sync (no TextEditor then). */
export function activeTabFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText && input.uri.scheme === 'file') {
    return input.uri;
  }
  return undefined;
}

/** The active tab's file if it is a transcript. */
export function activeTranscriptFile(globs: readonly string[]): vscode.Uri | undefined {
  const uri = activeTabFile();
  return uri !== undefined && isTranscriptPath(uri.fsPath, globs) ? uri : undefined;
}

export function syncedDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((document) => document.uri.toString() === key);
}
