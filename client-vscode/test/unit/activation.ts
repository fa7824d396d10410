/** Activating the extension against a {@link FakeHost}, shared by the tests of its views. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExtension, type FakeHost } from './fakeVscode';

const PYTHON_TAG = execFileSync('python3', ['-c', 'import sys; print("cp%d%d" % sys.version_info[:2])']).toString().trim();

/** An extension folder whose bundle covers the python3 on PATH, so the fake server "starts". */
export function extensionFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'session-lsp-extension-'));
  mkdirSync(join(folder, 'bundled', 'libs', PYTHON_TAG), { recursive: true });
  mkdirSync(join(folder, 'bundled', 'tool'), { recursive: true });
  writeFileSync(join(folder, 'bundled', 'tool', 'launch.py'), '');
  return folder;
}

/** Activates a fresh copy of the extension; returns what VS Code does on shutdown (dispose, deactivate). */
export function activateExtension(host: FakeHost): () => Promise<void> {
  const extension = loadExtension(host);
  const extensionPath = extensionFolder();
  const subscriptions: { dispose(): unknown }[] = [];
  extension.activate({
    subscriptions,
    extensionPath,
    extensionUri: { scheme: 'file', fsPath: extensionPath, toString: () => `file://${extensionPath}` },
    extension: { packageJSON: { version: '0.0.0-test' } },
  });
  return async () => {
    subscriptions.forEach((subscription) => subscription.dispose());
    await extension.deactivate();
  };
}

/** Lets queued promise callbacks (and a Python probe subprocess) finish. */
export async function settle(milliseconds = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export async function waitFor(condition: () => boolean, what: string, attempts = 200): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (condition()) {
      return;
    }
    await settle(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}
