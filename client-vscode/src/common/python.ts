/**
 * Finding out whether a Python command line can run the bundled server: it must start, be
 * CPython >= 3.11, and match one of the interpreter versions whose compiled dependencies
 * (pydantic-core, msgspec) ship in `bundled/libs/cpXY`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { MINIMUM_PYTHON } from './constants';

export interface PythonVersion {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
}

export type PythonProbe =
  | { readonly usable: true; readonly version: PythonVersion; readonly executable: string }
  | { readonly usable: false; readonly reason: string };

/** Outcome of running a program: exit code 0 with its stdout, or why it did not succeed. */
export type ProgramOutcome = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly error: string };

/** Runs `commandLine` with `extraArgs` appended; injected so that tests need no real Python. */
export type ProgramRunner = (commandLine: readonly string[], extraArgs: readonly string[]) => Promise<ProgramOutcome>;

/**
 * Prints `<implementation> <major>.<minor>.<micro> <executable>` on one line, then, when the
 * launcher given as its argument can say it, `target <VS Code target>`: the platform whose
 * compiled modules this interpreter loads (an x64 Python emulated on ARM64 says win32-x64), by
 * the launcher's own rule (`running_target` in server-launcher/launch.py).
 */
export const VERSION_PROBE_SCRIPT = [
  'import sys',
  'print(sys.implementation.name, "%d.%d.%d" % sys.version_info[:3], sys.executable)',
  'try:',
  '    import importlib.util, platform',
  '    from importlib.machinery import EXTENSION_SUFFIXES',
  '    spec = importlib.util.spec_from_file_location("session_lsp_launcher", sys.argv[1])',
  '    launcher = importlib.util.module_from_spec(spec)',
  '    spec.loader.exec_module(launcher)',
  '    print("target", launcher.running_target(sys.platform, platform.machine(), EXTENSION_SUFFIXES))',
  'except Exception:',
  '    pass',
].join('\n');

/** Parses the output of {@link VERSION_PROBE_SCRIPT}. */
export function parseProbeOutput(
  stdout: string,
): { implementation: string; version: PythonVersion; executable: string; target?: string } | undefined {
  const match = /^(\S+) (\d+)\.(\d+)\.(\d+) (.*)$/m.exec(stdout.trim());
  if (match === null) {
    return undefined;
  }
  const target = /^target (\S+)$/m.exec(stdout)?.[1];
  return {
    implementation: match[1],
    version: { major: Number(match[2]), minor: Number(match[3]), micro: Number(match[4]) },
    executable: match[5],
    ...(target === undefined ? {} : { target }),
  };
}

/** What the bundle is: its launcher (which the probe asks for the target) and the target it was built for. */
export interface BundleIdentity {
  readonly launcherPath: string;
  /** `bundled/tool/target.txt`; undefined for a bundle without one. */
  readonly target: string | undefined;
}

export function formatVersion(version: PythonVersion): string {
  return `${version.major}.${version.minor}.${version.micro}`;
}

/** The `bundled/libs` folder name for a version, e.g. `cp312`. */
export function bundleTagFor(version: Pick<PythonVersion, 'major' | 'minor'>): string {
  return `cp${version.major}${version.minor}`;
}

/** Turns `cp312` into `3.12` for messages. */
export function describeBundleTag(tag: string): string {
  const match = /^cp(\d)(\d+)$/.exec(tag);
  return match === null ? tag : `${match[1]}.${match[2]}`;
}

export function isAtLeastMinimum(version: PythonVersion): boolean {
  return (
    version.major > MINIMUM_PYTHON.major ||
    (version.major === MINIMUM_PYTHON.major && version.minor >= MINIMUM_PYTHON.minor)
  );
}

/**
 * Runs the command line with the probe script and decides whether it can run the bundled server.
 * `bundledTags` lists the folders under `bundled/libs` (e.g. `["cp311", "cp312"]`).
 */
export async function probePython(
  commandLine: readonly string[],
  bundledTags: readonly string[],
  run: ProgramRunner,
  bundle?: BundleIdentity,
): Promise<PythonProbe> {
  const outcome = await run(commandLine, ['-c', VERSION_PROBE_SCRIPT, ...(bundle === undefined ? [] : [bundle.launcherPath])]);
  if (!outcome.ok) {
    return { usable: false, reason: `could not run it (${outcome.error})` };
  }
  const parsed = parseProbeOutput(outcome.stdout);
  if (parsed === undefined) {
    return { usable: false, reason: `it did not print a Python version (output: ${JSON.stringify(outcome.stdout.slice(0, 200))})` };
  }
  const { implementation, version, executable, target } = parsed;
  if (implementation !== 'cpython') {
    return { usable: false, reason: `it is ${implementation} ${formatVersion(version)}; the bundled server needs CPython` };
  }
  if (!isAtLeastMinimum(version)) {
    return {
      usable: false,
      reason: `it is Python ${formatVersion(version)}; session-lsp needs Python ${MINIMUM_PYTHON.major}.${MINIMUM_PYTHON.minor} or newer`,
    };
  }
  if (!bundledTags.includes(bundleTagFor(version))) {
    const bundled = bundledTags.map(describeBundleTag).join(', ');
    return {
      usable: false,
      reason: `it is Python ${formatVersion(version)}, but this build of the extension bundles the server for Python ${bundled} only`,
    };
  }
  if (bundle?.target !== undefined && target !== undefined && target !== bundle.target) {
    return {
      usable: false,
      reason: `it runs as ${target === 'None' ? 'a platform with no build' : target}, but this build of the extension is for ${bundle.target}, whose compiled modules it cannot load (on an ARM64 machine, install the ARM64 Python, not the x64 one)`,
    };
  }
  return { usable: true, version, executable };
}

/** `bundled/tool/target.txt`: the VS Code target the bundle was built for; undefined without one. */
export function readBundledTarget(targetFile: string): string | undefined {
  try {
    return readFileSync(targetFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Lists the `cpXY` folders of `bundled/libs`; empty when the folder is missing. */
export function listBundledTags(bundledLibsDirectory: string): string[] {
  try {
    return readdirSync(bundledLibsDirectory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && /^cp\d+$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** A {@link ProgramRunner} backed by `child_process.execFile`, with a timeout. */
export function execFileRunner(timeoutMilliseconds: number): ProgramRunner {
  return (commandLine, extraArgs) =>
    new Promise((resolve) => {
      const [program, ...args] = commandLine;
      execFile(program, [...args, ...extraArgs], { timeout: timeoutMilliseconds, windowsHide: true }, (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message;
          resolve({ ok: false, error: detail.split('\n').slice(-3).join(' ') });
        } else {
          resolve({ ok: true, stdout });
        }
      });
    });
}
