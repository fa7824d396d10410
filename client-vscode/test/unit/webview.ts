/**
 * The conversation view's script run in a {@link FakeDocument}: bundled as the extension bundles
 * it, then run in a fresh context per view, with the page's elements (conversationHtml's ids), a
 * fake `acquireVsCodeApi` that records what the script posts, and frames run on request.
 */
import { buildSync } from 'esbuild';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { ConversationPage, HostMessage, ViewMessage } from '../../src/common/conversation';
import { FakeDocument, FakeElement, FakeEvent } from './fakeDom';

const SCRIPT = resolve(__dirname, '..', '..', '..', 'src', 'webview', 'conversation.ts');

let bundle: string | undefined;

function script(): string {
  bundle ??= buildSync({ entryPoints: [SCRIPT], bundle: true, write: false, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent' }).outputFiles[0].text;
  return bundle;
}

export class WebviewUnderTest {
  readonly document = new FakeDocument();
  /** What the script posted to the extension, oldest first. */
  readonly posted: ViewMessage[] = [];
  /** Called with each message the script posts (e.g. a real ConversationPanel's handler). */
  onPost: ((message: ViewMessage) => void) | undefined;
  private readonly listeners: ((event: { data: unknown }) => void)[] = [];
  private frames: (() => void)[] = [];
  private timers: (() => void)[] = [];

  constructor() {
    const { document } = this;
    for (const [tag, id] of [['h1', 'title'], ['div', 'summary'], ['button', 'first-problem'], ['div', 'status'], ['details', 'plan'], ['div', 'search-results'], ['div', 'history']]) {
      document.add(tag, id);
    }
    document.add('input', 'search', document.add('form', 'search-form'));
    const viewport = document.add('main', 'viewport');
    for (const [tag, id] of [['div', 'spacer-top'], ['div', 'items'], ['div', 'spacer-bottom']]) {
      document.add(tag, id, viewport);
    }
    const window = {
      addEventListener: (type: string, listener: (event: { data: unknown }) => void) => {
        if (type === 'message') {
          this.listeners.push(listener);
        }
      },
    };
    runInNewContext(script(), {
      document,
      window,
      acquireVsCodeApi: () => ({
        // Cloned as a real webview's messages are (and so made of this realm's objects).
        postMessage: (message: ViewMessage) => {
          const copy = structuredClone(message);
          this.posted.push(copy);
          this.onPost?.(copy);
        },
      }),
      requestAnimationFrame: (callback: () => void) => this.frames.push(callback),
      setTimeout: (callback: () => void) => this.timers.push(callback),
      ResizeObserver: class {
        observe(): void {}
      },
    });
  }

  element(id: string): FakeElement {
    const found = this.document.getElementById(id);
    if (found === null) {
      throw new Error(`no #${id}`);
    }
    return found;
  }

  /** A message from the extension, then the frames and timers it scheduled. */
  receive(message: HostMessage): void {
    this.listeners.forEach((listener) => listener({ data: message }));
    this.settle();
  }

  /** Runs the timers queued so far (a moment passes), and every animation frame till none is queued. */
  settle(): void {
    const due = this.timers;
    this.timers = [];
    due.forEach((callback) => callback());
    for (let round = 0; round < 100 && this.frames.length > 0; round++) {
      const frames = this.frames;
      this.frames = [];
      frames.forEach((callback) => callback());
    }
  }

  /** The first reset of a view: generation 1, no focus. */
  reset(page: ConversationPage, generation = 1): void {
    this.receive({ type: 'reset', generation, page, focus: null });
  }

  /** The rendered item of the conversation at `index`. */
  item(index: number): FakeElement {
    const found = this.element('items').querySelector(`[data-index="${index}"]`);
    if (found === null) {
      throw new Error(`item ${index} is not rendered`);
    }
    return found;
  }

  click(element: FakeElement | null): void {
    if (element === null) {
      throw new Error('nothing to click');
    }
    element.click();
    this.settle();
  }

  /** Types `query` in the search box and submits it. */
  search(query: string): void {
    this.element('search').value = query;
    this.element('search-form').dispatchEvent(new FakeEvent('submit'));
    this.settle();
  }

  /** The messages of one type the script posted. */
  postedOf<T extends ViewMessage['type']>(type: T): Extract<ViewMessage, { type: T }>[] {
    return this.posted.filter((message): message is Extract<ViewMessage, { type: T }> => message.type === type);
  }
}
