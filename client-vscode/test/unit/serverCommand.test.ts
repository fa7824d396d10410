import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PythonProbe } from '../../src/common/python';
import { resolveServerCommand, type ResolveContext } from '../../src/common/serverCommand';

const LAUNCHER = '/ext/bundled/tool/launch.py';
const GOOD: PythonProbe = { usable: true, version: { major: 3, minor: 12, micro: 1 }, executable: '/usr/bin/python3.12' };
const OLD: PythonProbe = { usable: false, reason: 'it is Python 3.9.0; session-lsp needs Python 3.11 or newer' };

/** A context whose probe answers from a table and records what was probed. */
function context(
  overrides: Partial<ResolveContext> & { probes?: Record<string, PythonProbe>; selected?: string[] },
): ResolveContext & { probed: string[] } {
  const probed: string[] = [];
  return {
    settings: { serverPath: [], interpreter: [] },
    launcherPath: LAUNCHER,
    pythonExtensionInterpreter: async () => overrides.selected,
    probe: async (commandLine) => {
      probed.push(commandLine.join(' '));
      return overrides.probes?.[commandLine.join(' ')] ?? { usable: false, reason: 'not found' };
    },
    ...overrides,
    probed,
  };
}

test('sessionLsp.server.path wins and gets `serve` appended, without probing any Python', async () => {
  const ctx = context({ settings: { serverPath: ['/opt/session-lsp', '--log-level', 'debug'], interpreter: ['/usr/bin/python3'] }, probes: { python3: GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, '/opt/session-lsp');
  assert.deepEqual(resolution.server.args, ['--log-level', 'debug', 'serve']);
  assert.equal(resolution.server.origin, 'server.path');
  assert.deepEqual(ctx.probed, []);
});

test('sessionLsp.interpreter runs the bundled launcher in isolated mode', async () => {
  const ctx = context({ settings: { serverPath: [], interpreter: ['/usr/bin/env', 'python3.12'] }, probes: { '/usr/bin/env python3.12': GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, '/usr/bin/env');
  assert.deepEqual(resolution.server.args, ['python3.12', '-I', LAUNCHER]);
  assert.equal(resolution.server.origin, 'interpreter');
  assert.match(resolution.server.description, /3\.12\.1/);
});

test('an unusable sessionLsp.interpreter is an error, not a silent fallback to PATH', async () => {
  const ctx = context({ settings: { serverPath: [], interpreter: ['/usr/bin/python3.9'] }, probes: { '/usr/bin/python3.9': OLD, python3: GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(!resolution.ok);
  assert.match(resolution.message, /sessionLsp\.interpreter \(\/usr\/bin\/python3\.9\).*3\.11 or newer/);
  assert.deepEqual(ctx.probed, ['/usr/bin/python3.9']);
});

test("the Python extension's interpreter comes before PATH", async () => {
  const ctx = context({ selected: ['/venv/bin/python'], probes: { '/venv/bin/python': GOOD, python3: GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, '/venv/bin/python');
  assert.equal(resolution.server.origin, 'python-extension');
});

test("an unusable Python extension interpreter falls through to PATH, with a note", async () => {
  const ctx = context({ selected: ['/venv39/bin/python'], probes: { '/venv39/bin/python': OLD, python: GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, 'python');
  assert.equal(resolution.server.origin, 'path');
  assert.deepEqual(ctx.probed, ['/venv39/bin/python', 'python3', 'python']);
  assert.equal(resolution.notes.length, 2);
  assert.match(resolution.notes[0], /Python extension's interpreter \/venv39\/bin\/python/);
});

test('python3 is tried before python', async () => {
  const ctx = context({ probes: { python3: GOOD, python: GOOD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, 'python3');
  assert.deepEqual(ctx.probed, ['python3']);
});

test('no usable Python anywhere is an error that names both settings', async () => {
  const ctx = context({ probes: { python3: OLD } });
  const resolution = await resolveServerCommand(ctx);
  assert.ok(!resolution.ok);
  assert.match(resolution.message, /found none \(python3: it is Python 3\.9\.0; session-lsp needs Python 3\.11 or newer; python: not found\)/);
  assert.match(resolution.message, /sessionLsp\.interpreter/);
  assert.match(resolution.message, /sessionLsp\.server\.path/);
  assert.deepEqual(ctx.probed, ['python3', 'python']);
});

test('with no Python for the bundle, one message names the bundled versions and what to install on this system', async () => {
  const probes = { python3: { usable: false, reason: 'it is Python 3.15.0, but this build of the extension bundles the server for Python 3.11, 3.12, 3.13, 3.14 only' } } as const;
  const bundledVersions = ['3.11', '3.12', '3.13', '3.14'];
  const advice: Record<string, RegExp> = {
    win32: /Install Python 3\.14: `winget install Python\.Python\.3\.14` or the installer from python\.org \(on Windows on Arm, the ARM64 one\)/,
    darwin: /Install Python 3\.14: `brew install python@3\.14`/,
    linux: /Install Python 3\.14: your distribution's python3\.14 package .*`uv python install 3\.14`/,
  };
  for (const platform of ['win32', 'darwin', 'linux'] as const) {
    const resolution = await resolveServerCommand(context({ probes, bundledVersions, platform }));
    assert.ok(!resolution.ok);
    assert.match(resolution.message, /^Session LSP runs its bundled server on CPython 3\.11, 3\.12, 3\.13 or 3\.14, and found none \(python3: it is Python 3\.15\.0/);
    assert.match(resolution.message, advice[platform]);
    assert.equal(resolution.message.split('\n').length, 1, 'one message, one line');
  }
});
