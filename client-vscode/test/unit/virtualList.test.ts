import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemHeights, visibleWindow } from '../../src/common/virtualList';

test('only the items within the overscan of the viewport are rendered; spacers stand for the rest', () => {
  const heights = new Array(10_000).fill(50);
  const window = visibleWindow(heights, heights.length, 5_000, 500, 100);
  assert.deepEqual(window, { start: 98, end: 112, before: 98 * 50, after: (10_000 - 112) * 50 });
  assert.equal(window.before + (window.end - window.start) * 50 + window.after, 10_000 * 50);
});

test('measured heights move the window', () => {
  const heights = [400, 400, 50, 50, 50, 50];
  assert.deepEqual(visibleWindow(heights, 6, 0, 300, 0), { start: 0, end: 1, before: 0, after: 600 });
  assert.deepEqual(visibleWindow(heights, 6, 810, 100, 0), { start: 2, end: 5, before: 800, after: 50 });
});

test('scrolled past the end (the list shrank), the last item stays rendered; an empty list renders nothing', () => {
  assert.deepEqual(visibleWindow([50, 50], 2, 10_000, 500, 100), { start: 1, end: 2, before: 50, after: 0 });
  assert.deepEqual(visibleWindow([], 0, 0, 500, 100), { start: 0, end: 0, before: 0, after: 0 });
});

test('a total that grows after heights were measured (a live session) keeps every spacer a number', () => {
  const layout = new ItemHeights(64);
  layout.resize(3);
  assert.equal(layout.measure(0, 100), true);
  assert.equal(layout.measure(1, 64.2), false, 'a sub-pixel change is no change');
  // The next page reports 5 items: the two new ones count as the estimate, the measured stays.
  layout.resize(5);
  const window = layout.window(0, 50, 0);
  assert.deepEqual(window, { start: 0, end: 1, before: 0, after: 64 * 4 });
  assert.equal(layout.offsetOf(5), 100 + 64 * 4);
  layout.resize(2);
  assert.equal(layout.offsetOf(5), 164, 'a shrunk list sums only its items');
  assert.ok([layout.at(4), layout.at(-1)].every((height) => height === 0), 'no height outside the list');
});
