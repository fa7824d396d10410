import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const LAUNCHER = resolve(__dirname, '..', '..', '..', 'server-launcher', 'launch.py');

/** A bundled/ tree with the real launcher and a fake session_lsp that reports how it was run. */
function bundle(tags: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'bundled-'));
  mkdirSync(join(root, 'tool'));
  copyFileSync(LAUNCHER, join(root, 'tool', 'launch.py'));
  for (const tag of tags) {
    const packageFolder = join(root, 'libs', tag, 'session_lsp');
    mkdirSync(packageFolder, { recursive: true });
    writeFileSync(join(packageFolder, '__init__.py'), '');
    writeFileSync(
      join(packageFolder, '__main__.py'),
      'import json, sys\nprint(json.dumps({"args": sys.argv[1:], "file": __file__, "first_path": sys.path[0]}))\n',
    );
  }
  return root;
}

function pythonTag(): string {
  return spawnSync('python3', ['-c', 'import sys; print("cp%d%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
}

test('the launcher runs the session_lsp of its interpreter version with `serve` and the extra arguments', () => {
  const root = bundle(['cp310', pythonTag()]);
  const result = spawnSync('python3', ['-I', join(root, 'tool', 'launch.py'), '--stdio'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { args: string[]; file: string; first_path: string };
  assert.deepEqual(report.args, ['serve', '--stdio']);
  assert.equal(report.first_path, join(root, 'libs', pythonTag()));
  assert.equal(report.file, join(root, 'libs', pythonTag(), 'session_lsp', '__main__.py'));
});

test('an interpreter version that is not bundled exits 2 with the bundled versions on stderr', () => {
  const root = bundle(['cp310', 'cp399']);
  const result = spawnSync('python3', ['-I', join(root, 'tool', 'launch.py')], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /bundles the server for Python 3\.10, 3\.99 only/);
  assert.match(result.stderr, /sessionLsp\.interpreter/);
});

test('a bundle built for another platform is refused before anything loads, naming both platforms', () => {
  const root = bundle([pythonTag()]);
  writeFileSync(join(root, 'tool', 'target.txt'), 'win32-arm64\n');
  const result = spawnSync('python3', ['-I', join(root, 'tool', 'launch.py')], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '', 'the server never started');
  assert.match(result.stderr, /runs as linux-(x64|arm64), but this build of the extension is for win32-arm64/);
});

test('a bundle built for this platform runs', () => {
  const root = bundle([pythonTag()]);
  const target = spawnSync('python3', ['-c', `import importlib.util, sys, platform
from importlib.machinery import EXTENSION_SUFFIXES
spec = importlib.util.spec_from_file_location("launch", sys.argv[1])
launch = importlib.util.module_from_spec(spec); spec.loader.exec_module(launch)
print(launch.running_target(sys.platform, platform.machine(), EXTENSION_SUFFIXES))`, LAUNCHER], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(root, 'tool', 'target.txt'), `${target}\n`);
  const result = spawnSync('python3', ['-I', join(root, 'tool', 'launch.py'), '--stdio'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual((JSON.parse(result.stdout) as { args: string[] }).args, ['serve', '--stdio']);
});
