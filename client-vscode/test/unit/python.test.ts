import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bundleTagFor,
  execFileRunner,
  listBundledTags,
  parseProbeOutput,
  probePython,
  VERSION_PROBE_SCRIPT,
  type ProgramOutcome,
  type ProgramRunner,
} from '../../src/common/python';

const ALL_TAGS = ['cp311', 'cp312', 'cp313', 'cp314'];

function answering(outcome: ProgramOutcome): ProgramRunner {
  return async () => outcome;
}

test('parses the probe line', () => {
  assert.deepEqual(parseProbeOutput('cpython 3.12.4 /usr/bin/python3.12\n'), {
    implementation: 'cpython',
    version: { major: 3, minor: 12, micro: 4 },
    executable: '/usr/bin/python3.12',
  });
  assert.equal(parseProbeOutput('Python 3.12.4'), undefined);
});

test('a CPython of a bundled version >= 3.11 is usable', async () => {
  const probe = await probePython(['python3'], ALL_TAGS, answering({ ok: true, stdout: 'cpython 3.11.7 /usr/bin/python3\n' }));
  assert.deepEqual(probe, { usable: true, version: { major: 3, minor: 11, micro: 7 }, executable: '/usr/bin/python3' });
});

test('Python 3.10 is refused with the version in the reason', async () => {
  const probe = await probePython(['python3'], ALL_TAGS, answering({ ok: true, stdout: 'cpython 3.10.13 /usr/bin/python3\n' }));
  assert.equal(probe.usable, false);
  assert.match(probe.usable ? '' : probe.reason, /3\.10\.13.*3\.11 or newer/);
});

test('Python 3.9 with a two-digit minor compares numerically, and 4.0 counts as newer', async () => {
  const old = await probePython(['p'], ['cp40'], answering({ ok: true, stdout: 'cpython 3.9.1 /p\n' }));
  const future = await probePython(['p'], ['cp40'], answering({ ok: true, stdout: 'cpython 4.0.0 /p\n' }));
  assert.equal(old.usable, false);
  assert.equal(future.usable, true);
});

test('a newer Python than the bundle covers is refused, naming the bundled versions', async () => {
  const probe = await probePython(['python3'], ALL_TAGS, answering({ ok: true, stdout: 'cpython 3.15.0 /opt/py/bin/python3\n' }));
  assert.equal(probe.usable, false);
  assert.match(probe.usable ? '' : probe.reason, /3\.15\.0.*3\.11, 3\.12, 3\.13, 3\.14/);
});

test('PyPy is refused: the bundled compiled modules are CPython builds', async () => {
  const probe = await probePython(['pypy3'], ALL_TAGS, answering({ ok: true, stdout: 'pypy 3.11.9 /usr/bin/pypy3\n' }));
  assert.equal(probe.usable, false);
});

test('a command that fails to run is unusable with its error', async () => {
  const probe = await probePython(['nope'], ALL_TAGS, answering({ ok: false, error: 'spawn nope ENOENT' }));
  assert.deepEqual(probe, { usable: false, reason: 'could not run it (spawn nope ENOENT)' });
});

test('the real runner probes the real python3 on PATH', async () => {
  const version = execFileSync('python3', ['-c', 'import sys; print("%d %d" % sys.version_info[:2])']).toString().trim().split(' ').map(Number);
  const tag = bundleTagFor({ major: version[0], minor: version[1] });
  const probe = await probePython(['python3'], [tag], execFileRunner(15_000));
  assert.equal(probe.usable, version[0] === 3 && version[1] >= 11);
  const missing = await probePython(['/nonexistent/python3'], [tag], execFileRunner(15_000));
  assert.equal(missing.usable, false);
  assert.match(missing.usable ? '' : missing.reason, /ENOENT/);
});

test('bundled tags are the cpXY folders of bundled/libs', () => {
  const libs = mkdtempSync(join(tmpdir(), 'libs-'));
  for (const name of ['cp313', 'cp311', 'not-a-tag']) {
    mkdirSync(join(libs, name));
  }
  writeFileSync(join(libs, 'cp399'), 'a file, not a folder');
  assert.deepEqual(listBundledTags(libs), ['cp311', 'cp313']);
  assert.deepEqual(listBundledTags(join(libs, 'missing')), []);
});

const REAL_LAUNCHER = join(__dirname, '..', '..', '..', 'server-launcher', 'launch.py');

test('the probe reads the target the launcher gives, when it gives one', () => {
  assert.deepEqual(parseProbeOutput('cpython 3.12.4 C:\\Python 312\\python.exe\ntarget win32-x64\n'), {
    implementation: 'cpython',
    version: { major: 3, minor: 12, micro: 4 },
    executable: 'C:\\Python 312\\python.exe',
    target: 'win32-x64',
  });
});

test('a Python of another platform than the bundle (x64 emulated on ARM64) is refused, saying what to install', async () => {
  const probe = await probePython(
    ['py'],
    ALL_TAGS,
    answering({ ok: true, stdout: 'cpython 3.12.4 C:\\py\\python.exe\ntarget win32-x64\n' }),
    { launcherPath: 'C:\\ext\\bundled\\tool\\launch.py', target: 'win32-arm64' },
  );
  assert.equal(probe.usable, false);
  assert.match(probe.usable ? '' : probe.reason, /runs as win32-x64, but this build of the extension is for win32-arm64.*install the ARM64 Python/);
});

test("a real interpreter is asked for its target by the real launcher: this machine's matches, another does not", async () => {
  const tag = execFileSync('python3', ['-c', 'import sys; print("cp%d%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  const run = execFileRunner(10_000);
  const here = await probePython(['python3'], [tag], run, { launcherPath: REAL_LAUNCHER, target: undefined });
  assert.ok(here.usable, 'no target file: nothing to compare');
  const stdout = execFileSync('python3', ['-c', VERSION_PROBE_SCRIPT, REAL_LAUNCHER], { encoding: 'utf8' });
  const target = parseProbeOutput(stdout)?.target;
  assert.match(target ?? '', /^linux-(x64|arm64)$|^alpine-x64$/);
  assert.ok((await probePython(['python3'], [tag], run, { launcherPath: REAL_LAUNCHER, target })).usable);
  const foreign = await probePython(['python3'], [tag], run, { launcherPath: REAL_LAUNCHER, target: 'darwin-arm64' });
  assert.equal(foreign.usable, false);
  assert.match(foreign.usable ? '' : foreign.reason, new RegExp(`runs as ${target}, but this build of the extension is for darwin-arm64`));
});
