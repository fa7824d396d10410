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

/**
 * The item count and the height of each item, kept together: the count changes whenever the
 * server reports a new total (a live session grows while a page is being read), and a height
 * array shorter than the count made every sum past its end NaN (the spacers then had no height
 * and the list jumped). Items never measured count as `estimate`.
 */
export class ItemHeights {
  private heights = new Float64Array(0);

  constructor(private readonly estimate: number) {}

  get count(): number {
    return this.heights.length;
  }

  /** Sets the number of items, keeping the heights measured so far. */
  resize(count: number): void {
    if (count === this.heights.length) {
      return;
    }
    const resized = new Float64Array(Math.max(0, count)).fill(this.estimate);
    resized.set(this.heights.subarray(0, Math.min(resized.length, this.heights.length)));
    this.heights = resized;
  }

  at(index: number): number {
    return index >= 0 && index < this.heights.length ? this.heights[index] : 0;
  }

  /** Records a measured height; true when it changed the layout. */
  measure(index: number, height: number): boolean {
    if (index < 0 || index >= this.heights.length || !(height > 0) || Math.abs(this.heights[index] - height) <= 0.5) {
      return false;
    }
    this.heights[index] = height;
    return true;
  }

  /** The top of item `index`: the height of every item before it. */
  offsetOf(index: number): number {
    let sum = 0;
    for (let position = 0; position < index && position < this.heights.length; position++) {
      sum += this.heights[position];
    }
    return sum;
  }

  window(scrollTop: number, viewportHeight: number, overscan: number): VisibleWindow {
    return visibleWindow(this.heights, this.heights.length, scrollTop, viewportHeight, overscan);
  }
}
