/**
 * The interpreter selected in the Python extension (`ms-python.python`), used only when that
 * extension is installed: the manifest declares no `extensionDependencies`, because an unmet one
 * blocks activation, and the Python extension cannot be installed offline or in code-server.
 * The few API members used are typed here instead of depending on `@vscode/python-extension`,
 * whose engines (VS Code ^1.93, Node >= 22.17) are stricter than this extension's.
 */
import * as vscode from 'vscode';

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable: { readonly uri: vscode.Uri | undefined };
}

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
  readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

interface PythonExtensionApi {
  readonly environments?: PythonEnvironmentsApi;
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

async function environmentsApi(): Promise<PythonEnvironmentsApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return undefined;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  return api?.environments;
}

/**
 * Reads the Python extension's interpreter for `resource`; undefined when the extension is absent,
 * has none, or the workspace is untrusted (a workspace-chosen interpreter is workspace code).
 * `onChange` is subscribed once, the first time the API is found.
 */
export class PythonExtensionInterpreter implements vscode.Disposable {
  private subscription: vscode.Disposable | undefined;

  constructor(
    private readonly onChange: () => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async commandLine(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
    if (!vscode.workspace.isTrusted) {
      return undefined;
    }
    try {
      const environments = await environmentsApi();
      if (environments === undefined) {
        return undefined;
      }
      this.subscription ??= environments.onDidChangeActiveEnvironmentPath(() => this.onChange());
      const resolved = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
      const executable = resolved?.executable.uri?.fsPath;
      return executable === undefined ? undefined : [executable];
    } catch (error) {
      this.log.warn(`Could not ask the Python extension for its interpreter: ${String(error)}`);
      return undefined;
    }
  }

  dispose(): void {
    this.subscription?.dispose();
  }
}
