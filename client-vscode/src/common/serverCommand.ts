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
}

export const DEFAULT_PATH_CANDIDATES: readonly (readonly string[])[] = [['python3'], ['python']];

export async function resolveServerCommand(context: ResolveContext): Promise<ServerResolution> {
  const notes: string[] = [];
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
  }

  for (const candidate of context.pathCandidates ?? DEFAULT_PATH_CANDIDATES) {
    const probe = await context.probe(candidate);
    if (probe.usable) {
      return { ok: true, notes, server: bundledServer(candidate, probe, 'path', context.launcherPath) };
    }
    notes.push(`Skipped ${candidate.join(' ')} on PATH: ${probe.reason}.`);
  }

  return {
    ok: false,
    notes,
    message:
      'Session LSP found no Python 3.11 or newer to run its server. Install one, or set sessionLsp.interpreter ' +
      '(a Python) or sessionLsp.server.path (a session-lsp executable).',
  };
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
