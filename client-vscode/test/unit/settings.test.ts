import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRANSCRIPT_GLOB } from '../../src/common/constants';
import { expandCommandLine, readSettings } from '../../src/common/settings';

const variables = { homeDirectory: '/home/ada', workspaceFolder: '/work/project' };

function reader(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

test('defaults: nothing configured gives the bundled-server defaults', () => {
  const settings = readSettings(reader({}), variables);
  assert.deepEqual(settings, {
    serverPath: [],
    interpreter: [],
    transcriptGlobs: [DEFAULT_TRANSCRIPT_GLOB],
    fixStrategy: 'stub',
    trace: 'off',
    projectsRoot: undefined,
  });
});

test('a projects root is expanded, and the .jsonl files under it count as transcripts', () => {
  const settings = readSettings(reader({ projectsRoot: '~/backup/projects/', documentSelector: ['**/t/*.jsonl'] }), variables);
  assert.equal(settings.projectsRoot, '/home/ada/backup/projects');
  assert.deepEqual(settings.transcriptGlobs, [DEFAULT_TRANSCRIPT_GLOB, '**/t/*.jsonl', '/home/ada/backup/projects/**/*.jsonl']);
  assert.equal(readSettings(reader({ projectsRoot: '  ' }), variables).projectsRoot, undefined, 'blank means the server default');
});

test('configured values are read, trimmed and expanded', () => {
  const settings = readSettings(
    reader({
      'server.path': ['~/bin/session-lsp', ' --verbose '],
      interpreter: ['${workspaceFolder}/.venv/bin/python', ''],
      documentSelector: ['**/transcripts/*.jsonl', DEFAULT_TRANSCRIPT_GLOB],
      'fix.strategy': 'truncate',
      'trace.server': 'verbose',
    }),
    variables,
  );
  assert.deepEqual(settings.serverPath, ['/home/ada/bin/session-lsp', '--verbose']);
  assert.deepEqual(settings.interpreter, ['/work/project/.venv/bin/python']);
  assert.deepEqual(settings.transcriptGlobs, [DEFAULT_TRANSCRIPT_GLOB, '**/transcripts/*.jsonl']);
  assert.equal(settings.fixStrategy, 'truncate');
  assert.equal(settings.trace, 'verbose');
});

test('invalid values fall back to defaults instead of reaching the server', () => {
  const settings = readSettings(
    reader({ 'server.path': '/usr/bin/session-lsp', interpreter: [3, null], 'fix.strategy': 'delete-everything', 'trace.server': 'loud' }),
    variables,
  );
  assert.deepEqual(settings.serverPath, [], 'a plain string is not a command line array');
  assert.deepEqual(settings.interpreter, []);
  assert.equal(settings.fixStrategy, 'stub');
  assert.equal(settings.trace, 'off');
});

test('${workspaceFolder} stays as written when there is no workspace folder', () => {
  assert.deepEqual(expandCommandLine(['${workspaceFolder}/python', '${userHome}/x', '~'], { homeDirectory: '/h', workspaceFolder: undefined }), [
    '${workspaceFolder}/python',
    '/h/x',
    '/h',
  ]);
});
