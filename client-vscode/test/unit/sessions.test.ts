import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asSessionSummaries,
  codexSessionsRoot,
  defaultProjectsRoot,
  formatRelativeTime,
  formatSize,
  groupByProject,
  HEALTH_ICONS,
  resumeCommand,
  sessionDescription,
  sessionLabel,
  sessionTooltip,
  tildePath,
} from '../../src/common/sessions';
import { summary } from './fixtures';

const NOW = Date.parse('2026-11-29T12:00:00Z');

test('sessions are grouped by project, newest first, groups by their newest session, no-project last', () => {
  const sessions = [
    summary({ path: '/p/a-old.jsonl', project: '/home/ada/app', lastActivity: '2026-11-20T00:00:00Z' }),
    summary({ path: '/p/none.jsonl', project: null, lastActivity: '2026-11-29T11:59:00Z' }),
    summary({ path: '/p/b.jsonl', project: '/home/ada/blog', lastActivity: '2026-11-28T00:00:00Z' }),
    summary({ path: '/p/a-new.jsonl', project: '/home/ada/app', lastActivity: '2026-11-29T09:00:00Z' }),
    summary({ path: '/p/a-undated.jsonl', project: '/home/ada/app', lastActivity: null }),
  ];
  const groups = groupByProject(sessions, false);
  assert.deepEqual(
    groups.map((group) => [group.project, group.sessions.map((session) => session.path)]),
    [
      ['/home/ada/app', ['/p/a-new.jsonl', '/p/a-old.jsonl', '/p/a-undated.jsonl']],
      ['/home/ada/blog', ['/p/b.jsonl']],
      [undefined, ['/p/none.jsonl']],
    ],
  );
});

test('the broken-only filter keeps broken and unreadable sessions and drops emptied groups', () => {
  const sessions = [
    summary({ path: '/p/ok.jsonl', project: '/a', health: 'ok' }),
    summary({ path: '/p/live.jsonl', project: '/a', health: 'live' }),
    summary({ path: '/p/broken.jsonl', project: '/b', health: 'broken', errors: 2 }),
    summary({ path: '/p/unreadable.jsonl', project: '/b', health: 'unreadable' }),
  ];
  const groups = groupByProject(sessions, true);
  assert.deepEqual(groups.map((group) => group.project), ['/b']);
  assert.deepEqual(groups[0].sessions.map((session) => session.path).sort(), ['/p/broken.jsonl', '/p/unreadable.jsonl']);
  assert.equal(groups[0].broken, 2);
  assert.equal(groupByProject(sessions, false).find((group) => group.project === '/a')?.broken, 0);
});

test('each health has its own codicon and theme colour', () => {
  assert.deepEqual(
    Object.fromEntries(Object.entries(HEALTH_ICONS).map(([health, icon]) => [health, [icon.codicon, icon.color]])),
    {
      ok: ['pass', 'testing.iconPassed'],
      broken: ['error', 'testing.iconFailed'],
      live: ['pulse', 'charts.blue'],
      unreadable: ['warning', 'list.warningForeground'],
    },
  );
});

test('sizes and relative times read the way the tree shows them', () => {
  assert.deepEqual([formatSize(12), formatSize(2048), formatSize(3.5 * 1024 * 1024), formatSize(105 * 1024 * 1024)], ['12 B', '2 KB', '3.5 MB', '105 MB']);
  assert.equal(formatRelativeTime('2026-11-29T11:59:40Z', NOW), 'just now');
  assert.equal(formatRelativeTime('2026-11-29T11:55:00Z', NOW), '5 minutes ago');
  assert.equal(formatRelativeTime('2026-11-29T11:00:00Z', NOW), '1 hour ago');
  assert.equal(formatRelativeTime('2026-11-26T12:00:00Z', NOW), '3 days ago');
  assert.equal(formatRelativeTime(null, NOW), undefined);
  assert.equal(formatRelativeTime('not a date', NOW), undefined);
  assert.equal(sessionDescription(summary({}), NOW), '2 KB · 1 hour ago');
  assert.equal(sessionDescription(summary({ lastActivity: null }), NOW), '2 KB');
});

test('the label is the title on one line, else the session id; the tooltip lists id, path, version and counts', () => {
  assert.equal(sessionLabel(summary({ title: '  Fix\nthe   form ' })), 'Fix the form');
  assert.equal(sessionLabel(summary({ title: null })), '5f0c0000-0000-4000-8000-000000000000');
  const tooltip = sessionTooltip(summary({ health: 'broken', errors: 1, warnings: 2, subagents: ['/p/agent-1.jsonl'] }));
  assert.match(tooltip, /Health: broken: will fail to resume \(1 error, 2 warnings\)/);
  assert.match(tooltip, /Session: 5f0c0000-0000-4000-8000-000000000000/);
  assert.match(tooltip, /File: \/home\/ada\/\.claude\/projects\/-home-ada-app\/5f0c\.jsonl/);
  assert.match(tooltip, /Claude Code: 2\.1\.38/);
  assert.match(tooltip, /Sub-agents: 1/);
  assert.equal(resumeCommand(summary({})), 'claude --resume 5f0c0000-0000-4000-8000-000000000000');
});

test('a session id that is not a plain id is single-quoted in the resume command, so pasting it runs nothing', () => {
  assert.equal(resumeCommand({ sessionId: 'x; rm -rf ~' }, 'linux'), "claude --resume 'x; rm -rf ~'");
  assert.equal(resumeCommand({ sessionId: "a'$(id)" }, 'darwin'), `claude --resume 'a'\\''$(id)'`);
  assert.equal(resumeCommand({ sessionId: '' }, 'linux'), "claude --resume ''");
});

test('pasted into sh, a quoted id reaches claude as exactly that one argument and runs nothing', () => {
  for (const sessionId of [';id;#abc', '$(touch pwned)', '`id`', "it's", 'a b\\', 'é']) {
    const command = resumeCommand({ sessionId }, 'linux');
    assert.ok(command !== undefined);
    const echoed = spawnSync('sh', ['-c', command.replace(/^claude --resume /, 'printf %s ')], { encoding: 'utf8' });
    assert.equal(echoed.stdout, sessionId);
  }
});

test('on Windows the id is quoted so that PowerShell and cmd.exe both read it as one word, or not offered', () => {
  const uuid = '5f0c0000-0000-4000-8000-000000000000';
  assert.equal(resumeCommand({ sessionId: uuid }, 'win32'), `claude --resume ${uuid}`);
  assert.equal(resumeCommand({ sessionId: ';id;#abc' }, 'win32'), 'claude --resume ";id;#abc"');
  assert.equal(resumeCommand({ sessionId: 'a&calc|x' }, 'win32'), 'claude --resume "a&calc|x"');
  assert.equal(resumeCommand({ sessionId: "it's" }, 'win32'), `claude --resume "it's"`);
  assert.equal(resumeCommand({ sessionId: 'dir\\' }, 'win32'), 'claude --resume "dir\\\\"', 'a trailing backslash cannot escape the quote');
  // cmd expands %VAR% and !VAR! inside quotes, PowerShell $x and `x; nobody can write a " inside.
  for (const sessionId of ['%PATH%', 'a!b!', '$(calc)', 'a`b', 'say "hi"', 'a\u201cb']) {
    assert.equal(resumeCommand({ sessionId }, 'win32'), undefined, sessionId);
  }
});

test('an id with control characters or one claude would read as an option has no safe command', () => {
  for (const platform of ['linux', 'win32'] as const) {
    assert.equal(resumeCommand({ sessionId: 'a\u001b]52;c;aWQ=\u0007' }, platform), undefined);
    assert.equal(resumeCommand({ sessionId: 'a\nid' }, platform), undefined);
    assert.equal(resumeCommand({ sessionId: '--dangerously-skip-permissions' }, platform), undefined);
  }
});

test('a listing that does not fit the contract is refused with the field named', () => {
  assert.deepEqual(asSessionSummaries([summary({})]), [summary({})]);
  assert.throws(() => asSessionSummaries({}), /not an array/);
  assert.throws(() => asSessionSummaries([{ ...summary({}), health: 'fine' }]), /item 0 has a bad "health"/);
  assert.throws(() => asSessionSummaries([summary({}), { ...summary({}), sizeBytes: '2 KB' }]), /item 1 has a bad "sizeBytes"/);
});

test('a listed path that is not an absolute .jsonl path is refused (the tree opens, fixes and saves that file)', () => {
  assert.throws(() => asSessionSummaries([summary({ path: '/home/ada/.bashrc' })]), /item 0 has a bad "path"/);
  assert.throws(() => asSessionSummaries([summary({ path: 'projects/app/5f0c.jsonl' })]), /item 0 has a bad "path"/);
  assert.throws(() => asSessionSummaries([summary({ path: '' })]), /item 0 has a bad "path"/);
});

test('a listing that names one path twice is refused with both items named (the path is the tree item id)', () => {
  assert.throws(() => asSessionSummaries([summary({}), summary({ path: '/p/other.jsonl' }), summary({})]), /item 2 repeats the path of item 0: \/home\/ada\//);
});

test('a project folder is shortened to ~ only when it is the home folder or inside it', () => {
  assert.equal(tildePath('/home/ada/code', '/home/ada'), '~/code');
  assert.equal(tildePath('/home/ada', '/home/ada'), '~');
  assert.equal(tildePath('/home/adam/code', '/home/ada'), '/home/adam/code');
  assert.equal(tildePath('/srv/home/ada/code', '/home/ada'), '/srv/home/ada/code');
});

test('the default projects root follows CLAUDE_CONFIG_DIR, else ~/.claude', () => {
  assert.equal(defaultProjectsRoot({}, '/home/ada'), '/home/ada/.claude/projects');
  assert.equal(defaultProjectsRoot({ CLAUDE_CONFIG_DIR: '/srv/claude/' }, '/home/ada'), '/srv/claude/projects');
});

const CODEX_ID = '019cc264-9e60-7bdd-8164-d8399f767c45';

test('a Codex session is named as such in its row and tooltip, and resumed by codex, never by claude', () => {
  const codex = summary({ agent: 'codex', sessionId: CODEX_ID, version: '0.125.0', path: `/home/ada/.codex/sessions/2026/03/06/rollout-2026-03-06T09-05-00-${CODEX_ID}.jsonl` });
  assert.equal(sessionDescription(codex, NOW), 'Codex · 2 KB · 1 hour ago');
  assert.equal(sessionDescription({ ...codex, lastActivity: null }, NOW), 'Codex · 2 KB');
  assert.match(sessionTooltip(codex), /^Codex: 0\.125\.0$/m);
  assert.doesNotMatch(sessionTooltip(codex), /Claude Code/);
  assert.equal(resumeCommand(codex, 'linux'), `codex resume ${CODEX_ID}`);
  assert.equal(resumeCommand({ sessionId: 'x; rm -rf ~', agent: 'codex' }, 'linux'), "codex resume 'x; rm -rf ~'");
  assert.equal(resumeCommand({ sessionId: '--full-auto', agent: 'codex' }, 'linux'), undefined);
});

test('the agent of a listed session is checked: a missing one is Claude Code (an older server), an unknown one is refused', () => {
  const { agent: _agent, ...withoutAgent } = summary({});
  assert.equal(asSessionSummaries([withoutAgent])[0].agent, 'claude-code');
  assert.equal(asSessionSummaries([summary({ agent: 'codex' })])[0].agent, 'codex');
  assert.throws(() => asSessionSummaries([{ ...summary({}), agent: 'gemini' }]), /item 0 has a bad "agent": "gemini"/);
});

test('Codex keeps its rollouts in $CODEX_HOME/sessions, else ~/.codex/sessions', () => {
  assert.equal(codexSessionsRoot({}, '/home/ada'), '/home/ada/.codex/sessions');
  assert.equal(codexSessionsRoot({ CODEX_HOME: '/srv/codex/' }, '/home/ada'), '/srv/codex/sessions');
  assert.equal(codexSessionsRoot({ CODEX_HOME: '  ' }, '/home/ada'), '/home/ada/.codex/sessions');
});
