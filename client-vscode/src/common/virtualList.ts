/**
 * Which items of a virtualized list to put in the DOM: those within `overscan` pixels of the
 * viewport. Heights are per item (measured, or an estimate for items never rendered); the
 * result also gives the heights of the spacers standing for the items before and after.
 */
export interface VisibleWindow {
  /** First item to render. */
  readonly start: number;
  /** One past the last item to render. */
  readonly end: number;
  /** Total height of the items before `start`. */
  readonly before: number;
  /** Total height of the items from `end` on. */
  readonly after: number;
}

export function visibleWindow(
  heights: ArrayLike<number>,
  count: number,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): VisibleWindow {
  const top = Math.max(0, scrollTop - overscan);
  const bottom = scrollTop + viewportHeight + overscan;
  let offset = 0;
  let start = 0;
  while (start < count && offset + heights[start] <= top) {
    offset += heights[start];
    start++;
  }
  const before = offset;
  let end = start;
  while (end < count && offset < bottom) {
    offset += heights[end];
    end++;
  }
  // Never an empty window while there are items: keep at least the last one near the top.
  if (start === count && count > 0) {
    start = count - 1;
    end = count;
    return { start, end, before: before - heights[start], after: 0 };
  }
  let after = 0;
  for (let index = end; index < count; index++) {
    after += heights[index];
  }
  return { start, end, before, after };
}
