import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, test } from 'node:test';
import type { SessionsNode } from '../../src/vscode/sessionsView';
import { activateExtension, settle, waitFor } from './activation';
import { FakeHost, FakeLanguageClient, type ThemeIcon, type TreeItem } from './fakeVscode';
import { summary } from './fixtures';

interface Provider {
  getChildren(node?: SessionsNode): Promise<SessionsNode[]>;
  getTreeItem(node: SessionsNode): TreeItem;
}

let deactivate: (() => Promise<void>) | undefined;
afterEach(async () => {
  await deactivate?.();
  deactivate = undefined;
});

const LISTING = [
  summary({ path: '/p/app/old.jsonl', title: 'Old and fine', lastActivity: '2026-11-01T00:00:00Z' }),
  summary({ path: '/p/app/broken.jsonl', title: 'Broken one', health: 'broken', errors: 1, lastActivity: '2026-11-29T11:00:00Z' }),
  summary({ path: '/p/blog/live.jsonl', project: '/home/ada/blog', title: 'Writing now', health: 'live', lastActivity: '2026-11-29T11:59:59Z' }),
];

function start(settings: Record<string, unknown> = {}): { host: FakeHost; provider: Provider } {
  const host = new FakeHost();
  Object.assign(host.settings, settings);
  deactivate = activateExtension(host);
  FakeLanguageClient.responses['sessionLsp.listSessions'] = LISTING;
  const registered = host.treeViews.find((view) => view.id === 'sessionLsp.sessions');
  assert.ok(registered, 'the Sessions view is registered');
  return { host, provider: registered.provider as Provider };
}

function listRequests(): unknown[][] {
  return FakeLanguageClient.created.flatMap((client) => client.requests.filter((request) => request.command === 'sessionLsp.listSessions').map((request) => request.arguments));
}

async function labels(provider: Provider): Promise<[string, string[]][]> {
  const groups = await provider.getChildren();
  return Promise.all(
    groups.map(async (group) => [provider.getTreeItem(group).label, (await provider.getChildren(group)).map((node) => provider.getTreeItem(node).label)] as [string, string[]]),
  );
}

test('the tree lists the sessions from the server, grouped by project and newest first, under the configured root', async () => {
  const { provider } = start({ projectsRoot: '/srv/claude/projects' });
  assert.deepEqual(await labels(provider), [
    ['blog', ['Writing now']],
    ['app', ['Broken one', 'Old and fine']],
  ]);
  assert.deepEqual(listRequests(), [['/srv/claude/projects']]);
});

test('without sessionLsp.projectsRoot the server picks its default root', async () => {
  const { provider } = start();
  await provider.getChildren();
  assert.deepEqual(listRequests(), [[]]);
});

test('each session row has its health icon in a theme colour, size and age, and opens its conversation', async () => {
  const { provider } = start();
  const [, app] = await provider.getChildren();
  const [broken, fine] = (await provider.getChildren(app)).map((node) => provider.getTreeItem(node));
  const icon = broken.iconPath as ThemeIcon;
  assert.deepEqual([icon.id, icon.color?.id], ['error', 'testing.iconFailed']);
  assert.deepEqual([(fine.iconPath as ThemeIcon).id, (fine.iconPath as ThemeIcon).color?.id], ['pass', 'testing.iconPassed']);
  assert.equal(broken.contextValue, 'session.broken');
  assert.match(broken.description ?? '', /^2 KB · \d+ (minute|hour|day|week|month|year)s? ago$/);
  assert.match(broken.tooltip ?? '', /File: \/p\/app\/broken\.jsonl/);
  assert.match(broken.accessibilityInformation?.label ?? '', /Broken one, broken: will fail to resume/);
  assert.equal(broken.command?.command, 'sessionLsp.client.openConversation');
  const [group] = await provider.getChildren();
  const [live] = await provider.getChildren(group);
  assert.equal((provider.getTreeItem(live).iconPath as ThemeIcon).id, 'pulse');
});

test('the broken-only toggle filters the tree and flips the context key that swaps the title button', async () => {
  const { host, provider } = start();
  await provider.getChildren();
  await host.commands.get('sessionLsp.sessions.showBrokenOnly')?.();
  assert.equal(host.contextKeys.get('sessionLsp.sessions.brokenOnly'), true);
  assert.deepEqual(await labels(provider), [['app', ['Broken one']]]);
  await host.commands.get('sessionLsp.sessions.showAll')?.();
  assert.equal(host.contextKeys.get('sessionLsp.sessions.brokenOnly'), false);
  assert.equal((await labels(provider)).length, 2);
});

test('a burst of file changes under the root lists the sessions again once, after they settle', async () => {
  const { host, provider } = start({ projectsRoot: '/srv/claude/projects' });
  await provider.getChildren();
  const watcher = host.watchers.find((candidate) => candidate.pattern.pattern === '**/*.jsonl');
  assert.equal(watcher?.pattern.base.fsPath, '/srv/claude/projects');
  FakeLanguageClient.responses['sessionLsp.listSessions'] = [summary({ path: '/p/app/broken.jsonl', title: 'Broken one', health: 'ok' })];
  watcher?.changed.fire(undefined as never);
  watcher?.changed.fire(undefined as never);
  watcher?.created.fire(undefined as never);
  await settle(200);
  assert.equal(listRequests().length, 1, 'debounced: nothing yet');
  await waitFor(() => listRequests().length === 2, 'the second listing');
  await settle(900);
  assert.equal(listRequests().length, 2, 'one listing for the burst');
  const [group] = await provider.getChildren();
  const [session] = await provider.getChildren(group);
  assert.equal((provider.getTreeItem(session).iconPath as ThemeIcon).id, 'pass');
});

test('a listing the server refuses shows its message in the view instead of a tree', async () => {
  const { host, provider } = start();
  FakeLanguageClient.responses['sessionLsp.listSessions'] = { not: 'a list' };
  assert.deepEqual(await provider.getChildren(), []);
  await waitFor(() => host.treeViews[0].view.message !== undefined, 'the view message');
  assert.match(host.treeViews[0].view.message ?? '', /Could not list the sessions: .*not an array/);
});

test('Copy Resume Command puts `claude --resume <id>` on the clipboard', async () => {
  const { host, provider } = start();
  const [, app] = await provider.getChildren();
  const [broken] = await provider.getChildren(app);
  await host.commands.get('sessionLsp.sessions.copyResumeCommand')?.(broken);
  assert.equal(host.clipboard, 'claude --resume 5f0c0000-0000-4000-8000-000000000000');
  assert.match(host.messages.at(-1)?.text ?? '', /run it in \/home\/ada\/app/);
});

test('Copy Resume Command quotes a hostile id for the shell, and copies nothing for an id with no safe form', async () => {
  const { host, provider } = start();
  FakeLanguageClient.responses['sessionLsp.listSessions'] = [summary({ sessionId: ';id;#abc' }), summary({ sessionId: '--dangerously-skip-permissions', path: '/p/app/x.jsonl' })];
  const [project] = await provider.getChildren();
  const [quoted, refused] = await provider.getChildren(project);
  await host.commands.get('sessionLsp.sessions.copyResumeCommand')?.(quoted);
  const expected = process.platform === 'win32' ? 'claude --resume ";id;#abc"' : "claude --resume ';id;#abc'";
  assert.equal(host.clipboard, expected);
  await host.commands.get('sessionLsp.sessions.copyResumeCommand')?.(refused);
  assert.equal(host.clipboard, expected, 'nothing new was copied');
  assert.equal(host.messages.at(-1)?.level, 'error');
  assert.match(host.messages.at(-1)?.text ?? '', /cannot be written as a command/);
});

test('a project folder named like a Markdown command link does not become a link in the Copied notification', async () => {
  const { host, provider } = start();
  FakeLanguageClient.responses['sessionLsp.listSessions'] = [summary({ project: '/home/ada/[Open](command:workbench.action.terminal.sendSequence?%7B%7D)' })];
  const [project] = await provider.getChildren();
  const [session] = await provider.getChildren(project);
  await host.commands.get('sessionLsp.sessions.copyResumeCommand')?.(session);
  const text = host.messages.at(-1)?.text ?? '';
  assert.match(text, /run it in \/home\/ada\/\[Open\]/);
  assert.doesNotMatch(text, /\]\(command:/);
});

test('check and restore from the tree run the registered commands on the session file', async () => {
  const { host, provider } = start();
  const [, app] = await provider.getChildren();
  const [broken] = await provider.getChildren(app);
  await host.commands.get('sessionLsp.sessions.check')?.(broken);
  await host.commands.get('sessionLsp.sessions.restoreBackup')?.(broken);
  const forwarded = host.executedCommands.filter(({ command }) => command.startsWith('sessionLsp.client.'));
  assert.deepEqual(
    forwarded.map(({ command, args }) => [command, (args[0] as { fsPath: string }).fsPath]),
    [
      ['sessionLsp.client.checkFileOnDisk', '/p/app/broken.jsonl'],
      ['sessionLsp.client.restoreBackup', '/p/app/broken.jsonl'],
    ],
  );
});

test('a Codex row says so, copies `codex resume <id>`, and offers Fix but never Fork', async () => {
  const { host, provider } = start();
  const codexId = '019cc264-9e60-7bdd-8164-d8399f767c45';
  FakeLanguageClient.responses['sessionLsp.listSessions'] = [
    summary({ agent: 'codex', sessionId: codexId, health: 'broken', errors: 1, version: '0.125.0', path: `/home/ada/.codex/sessions/2026/03/06/rollout-2026-03-06T09-05-00-${codexId}.jsonl` }),
  ];
  const [project] = await provider.getChildren();
  const [node] = await provider.getChildren(project);
  const item = provider.getTreeItem(node);
  assert.equal(item.contextValue, 'session.broken.codex');
  assert.match(item.description ?? '', /^Codex · 2 KB · /);
  await host.commands.get('sessionLsp.sessions.copyResumeCommand')?.(node);
  assert.equal(host.clipboard, `codex resume ${codexId}`);
  const menus = (JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } }).contributes.menus['view/item/context'];
  const offered = (command: string, contextValue: string): boolean =>
    menus.filter((entry) => entry.command === command).some((entry) => new RegExp(/viewItem =~ \/(.*?)\/(?: |$)/.exec(entry.when ?? '')?.[1] ?? '^$').test(contextValue));
  assert.equal(offered('sessionLsp.sessions.fork', 'session.broken.codex'), false);
  assert.equal(offered('sessionLsp.sessions.fork', 'session.broken'), true);
  assert.equal(offered('sessionLsp.sessions.fix', 'session.broken.codex'), true);
  assert.equal(offered('sessionLsp.sessions.copyResumeCommand', 'session.ok.codex'), true);
  await host.commands.get('sessionLsp.sessions.fork')?.(node);
  assert.equal(host.messages.at(-1)?.level, 'error');
  assert.match(host.messages.at(-1)?.text ?? '', /Codex session cannot be forked/);
});
