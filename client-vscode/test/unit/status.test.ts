import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStatus } from '../../src/common/status';

test('a running server shows the problem count of the active transcript', () => {
  assert.equal(describeStatus('running', 3, undefined).text, '$(warning) Session: 3 problems');
  assert.equal(describeStatus('running', 1, undefined).text, '$(warning) Session: 1 problem');
  assert.equal(describeStatus('running', 1, undefined).onClick, 'conversation');
  assert.equal(describeStatus('running', 0, undefined).text, '$(check) Session: no problems');
  assert.equal(describeStatus('running', undefined, undefined).text, '$(check) Session LSP');
});

test('failure points at the logs and names the server command', () => {
  const status = describeStatus('failed', 2, 'bundled server on Python 3.11.7');
  assert.equal(status.text, '$(error) Session LSP');
  assert.equal(status.onClick, 'logs');
  assert.match(status.tooltip, /Server: bundled server on Python 3\.11\.7/);
});
