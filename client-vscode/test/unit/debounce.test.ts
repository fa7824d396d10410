import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { debounce } from '../../src/common/debounce';

test('a burst of calls runs the action once, after the delay', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let runs = 0;
    const restart = debounce(() => runs++, 1000);
    restart();
    mock.timers.tick(600);
    restart();
    mock.timers.tick(600);
    assert.equal(runs, 0, 'the second call restarted the wait');
    mock.timers.tick(400);
    assert.equal(runs, 1);
    restart();
    restart.cancel();
    mock.timers.tick(2000);
    assert.equal(runs, 1, 'a cancelled call never runs');
  } finally {
    mock.timers.reset();
  }
});
