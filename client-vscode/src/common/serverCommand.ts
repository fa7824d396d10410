/**
 * Which command starts the language server. Precedence, as in ruff-vscode and the
 * python-tools extension template:
 *   1. `sessionLsp.server.path`: a `session-lsp` executable, run with `serve`;
 *   2. `sessionLsp.interpreter`: a Python that runs the bundled server;
 *   3. the interpreter selected in the Python extension, when that extension is installed;
 *   4. `python3`, then `python`, on PATH.
 * A Python is only used if it passes {@link probePython}. An explicitly configured interpreter
 * that fails is an error (falling back would hide the user's mistake); a failing Python
 * extension interpreter only falls through to PATH.
 */
import type { ExtensionSettings } from './settings';
import { MINIMUM_PYTHON } from './constants';
import { formatVersion, type PythonProbe } from './python';

export type ServerOrigin = 'server.path' | 'interpreter' | 'python-extension' | 'path';

export interface ServerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly origin: ServerOrigin;
  /** One line for the log and the status bar tooltip. */
  readonly description: string;
}

export type ServerResolution =
  | { readonly ok: true; readonly server: ServerCommand; readonly notes: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly notes: readonly string[] };

export interface ResolveContext {
  readonly settings: Pick<ExtensionSettings, 'serverPath' | 'interpreter'>;
  /** Absolute path of `bundled/tool/launch.py`. */
  readonly launcherPath: string;
  /** The interpreter the Python extension has selected, if it is installed and has one. */
  readonly pythonExtensionInterpreter: () => Promise<readonly string[] | undefined>;
  /** Probes a Python command line (see `probePython`). */
  readonly probe: (commandLine: readonly string[]) => Promise<PythonProbe>;
  /** Commands tried last, in order. */
  readonly pathCandidates?: readonly (readonly string[])[];
  /** The Python versions the bundle has (`["3.11", "3.12"]`), for the message when none fits. */
  readonly bundledVersions?: readonly string[];
  /** The system the extension runs on (`process.platform`), for what to install. */
  readonly platform?: NodeJS.Platform;
}

export const DEFAULT_PATH_CANDIDATES: readonly (readonly string[])[] = [['python3'], ['python']];

export async function resolveServerCommand(context: ResolveContext): Promise<ServerResolution> {
  const notes: string[] = [];
  const skipped: string[] = [];
  const { serverPath, interpreter } = context.settings;

  if (serverPath.length > 0) {
    const [command, ...rest] = serverPath;
    return {
      ok: true,
      notes,
      server: { command, args: [...rest, 'serve'], origin: 'server.path', description: `${serverPath.join(' ')} serve (sessionLsp.server.path)` },
    };
  }

  if (interpreter.length > 0) {
    const probe = await context.probe(interpreter);
    if (!probe.usable) {
      return {
        ok: false,
        notes,
        message: `The Python in sessionLsp.interpreter (${interpreter.join(' ')}) cannot run the session-lsp server: ${probe.reason}.`,
      };
    }
    return { ok: true, notes, server: bundledServer(interpreter, probe, 'interpreter', context.launcherPath) };
  }

  const selected = await context.pythonExtensionInterpreter();
  if (selected !== undefined && selected.length > 0) {
    const probe = await context.probe(selected);
    if (probe.usable) {
      return { ok: true, notes, server: bundledServer(selected, probe, 'python-extension', context.launcherPath) };
    }
    notes.push(`Skipped the Python extension's interpreter ${selected.join(' ')}: ${probe.reason}.`);
    skipped.push(`${selected.join(' ')}: ${probe.reason}`);
  }

  for (const candidate of context.pathCandidates ?? DEFAULT_PATH_CANDIDATES) {
    const probe = await context.probe(candidate);
    if (probe.usable) {
      return { ok: true, notes, server: bundledServer(candidate, probe, 'path', context.launcherPath) };
    }
    notes.push(`Skipped ${candidate.join(' ')} on PATH: ${probe.reason}.`);
    skipped.push(`${candidate.join(' ')}: ${probe.reason}`);
  }

  return { ok: false, notes, message: noPythonMessage(context.bundledVersions ?? [], context.platform ?? process.platform, skipped) };
}

/**
 * The one message shown when no Python can run the bundled server: which versions would, what
 * each candidate was, and what to install on this system (the newest bundled version).
 */
export function noPythonMessage(bundledVersions: readonly string[], platform: NodeJS.Platform, skipped: readonly string[]): string {
  const minimum = `${MINIMUM_PYTHON.major}.${MINIMUM_PYTHON.minor}`;
  const versions = bundledVersions.length > 0 ? bundledVersions : [minimum];
  const wanted =
    bundledVersions.length === 0 ? `${minimum} or newer` : versions.length === 1 ? versions[0] : `${versions.slice(0, -1).join(', ')} or ${versions[versions.length - 1]}`;
  const found = skipped.length > 0 ? ` (${skipped.join('; ')})` : '';
  return (
    `Session LSP runs its bundled server on CPython ${wanted}, and found none${found}. ` +
    `Install Python ${versions[versions.length - 1]}: ${installAdvice(versions[versions.length - 1], platform)}; then restart the server. ` +
    'Or set sessionLsp.interpreter to such a Python, or sessionLsp.server.path to an installed session-lsp executable.'
  );
}

function installAdvice(version: string, platform: NodeJS.Platform): string {
  switch (platform) {
    case 'win32':
      return `\`winget install Python.Python.${version}\` or the installer from python.org (on Windows on Arm, the ARM64 one)`;
    case 'darwin':
      return `\`brew install python@${version}\` or the installer from python.org`;
    default:
      return `your distribution's python${version} package (\`sudo apt install python${version}\`, \`sudo dnf install python${version}\`; on Alpine \`apk add python3\`) or \`uv python install ${version}\``;
  }
}

function bundledServer(
  commandLine: readonly string[],
  probe: Extract<PythonProbe, { usable: true }>,
  origin: ServerOrigin,
  launcherPath: string,
): ServerCommand {
  const [command, ...rest] = commandLine;
  return {
    command,
    // -I (isolated mode): ignore PYTHONPATH, PYTHON* variables and the user's site-packages, so a
    // different pygls or pydantic installed there cannot shadow the bundled ones.
    args: [...rest, '-I', launcherPath],
    origin,
    description: `bundled server on Python ${formatVersion(probe.version)} (${probe.executable}, from ${ORIGIN_LABELS[origin]})`,
  };
}

const ORIGIN_LABELS: Record<ServerOrigin, string> = {
  'server.path': 'sessionLsp.server.path',
  interpreter: 'sessionLsp.interpreter',
  'python-extension': 'the Python extension',
  path: 'PATH',
};
