/** Collapses bursts of calls (e.g. several settings changed at once) into one call after a pause. */
export interface Debounced {
  (): void;
  /** Drops a pending call. */
  cancel(): void;
}

export function debounce(action: () => void, delayMilliseconds: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (() => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      action();
    }, delayMilliseconds);
  }) as Debounced;
  debounced.cancel = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  return debounced;
}
