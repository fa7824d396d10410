/**
 * A small stand-in for the browser's DOM, enough to run the conversation view's script
 * (src/webview/conversation.ts) under `node --test`: elements with attributes, classes and
 * `dataset`, text nodes, events that capture and bubble, `details` that fire `toggle`, and
 * `querySelector` / `closest` over compound selectors (`tag.class[attr="value"]`) joined by
 * spaces. Layout is fixed: every element is {@link ELEMENT_HEIGHT} pixels high.
 */

const ELEMENT_HEIGHT = 40;

type Listener = (event: FakeEvent) => void;

export class FakeEvent {
  target: FakeElement | null = null;
  defaultPrevented = false;
  stopped = false;
  constructor(
    readonly type: string,
    readonly bubbles = false,
  ) {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
  stopPropagation(): void {
    this.stopped = true;
  }
}

export class FakeNode {
  readonly TEXT_NODE = 3;
  parentNode: FakeElement | null = null;

  get parentElement(): FakeElement | null {
    return this.parentNode;
  }

  get textContent(): string {
    return '';
  }

  remove(): void {
    this.parentNode?.removeChild(this);
  }

  after(...nodes: (FakeNode | string)[]): void {
    const parent = this.parentNode;
    if (parent !== null) {
      parent.insertAt(parent.childNodes.indexOf(this) + 1, nodes);
    }
  }

  replaceWith(...nodes: (FakeNode | string)[]): void {
    const parent = this.parentNode;
    if (parent !== null) {
      const at = parent.childNodes.indexOf(this);
      this.remove();
      parent.insertAt(at, nodes);
    }
  }
}

export class FakeText extends FakeNode {
  readonly nodeType = 3;

  constructor(public data: string) {
    super();
  }

  override get textContent(): string {
    return this.data;
  }

  set textContent(value: string) {
    this.data = value;
  }
}

function kebab(name: string): string {
  return `data-${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

export class FakeElement extends FakeNode {
  readonly nodeType = 1;
  readonly tagName: string;
  childNodes: FakeNode[] = [];
  readonly attributes = new Map<string, string>();
  readonly style: Record<string, string> = {};
  readonly dataset: Record<string, string | undefined>;
  readonly classList = {
    add: (...names: string[]): void => this.setClasses([...this.classes(), ...names]),
    remove: (...names: string[]): void => this.setClasses(this.classes().filter((name) => !names.includes(name))),
    contains: (name: string): boolean => this.classes().includes(name),
    toggle: (name: string, force?: boolean): boolean => {
      const on = force ?? !this.classes().includes(name);
      if (on) {
        this.classList.add(name);
      } else {
        this.classList.remove(name);
      }
      return on;
    },
  };
  private readonly listeners: { type: string; listener: Listener; capture: boolean }[] = [];
  private isOpen = false;
  tabIndex = -1;
  hidden = false;
  title = '';
  type = '';
  disabled = false;
  value = '';
  dateTime = '';
  start = 1;
  scrollTop = 0;
  clientHeight = 600;

  constructor(
    readonly ownerDocument: FakeDocument,
    tag: string,
  ) {
    super();
    this.tagName = tag.toUpperCase();
    const attributes = this.attributes;
    this.dataset = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => (typeof name === 'string' ? attributes.get(kebab(name)) : undefined),
      set: (_target, name, value) => {
        attributes.set(kebab(String(name)), String(value));
        return true;
      },
    });
  }

  get className(): string {
    return this.attributes.get('class') ?? '';
  }

  set className(value: string) {
    this.attributes.set('class', value);
  }

  get id(): string {
    return this.attributes.get('id') ?? '';
  }

  set id(value: string) {
    this.attributes.set('id', value);
  }

  private classes(): string[] {
    return this.className.split(/\s+/).filter((name) => name !== '');
  }

  private setClasses(names: string[]): void {
    this.className = [...new Set(names)].join(' ');
  }

  /** A `details` element: opening or closing it fires `toggle`, as a browser does. */
  get open(): boolean {
    return this.isOpen;
  }

  set open(value: boolean) {
    if (value !== this.isOpen) {
      this.isOpen = value;
      this.dispatchEvent(new FakeEvent('toggle'));
    }
  }

  get offsetHeight(): number {
    return ELEMENT_HEIGHT;
  }

  get children(): FakeElement[] {
    return this.childNodes.filter((node): node is FakeElement => node instanceof FakeElement);
  }

  override get textContent(): string {
    return this.childNodes.map((node) => node.textContent).join('');
  }

  set textContent(value: string) {
    this.replaceChildren(value);
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  removeChild(node: FakeNode): void {
    this.childNodes = this.childNodes.filter((child) => child !== node);
    node.parentNode = null;
  }

  insertAt(position: number, nodes: (FakeNode | string)[]): void {
    const adopted = nodes.map((node) => (typeof node === 'string' ? new FakeText(node) : node));
    adopted.forEach((node) => node.remove());
    this.childNodes.splice(Math.min(position, this.childNodes.length), 0, ...adopted);
    adopted.forEach((node) => (node.parentNode = this));
  }

  append(...nodes: (FakeNode | string)[]): void {
    this.insertAt(this.childNodes.length, nodes);
  }

  prepend(...nodes: (FakeNode | string)[]): void {
    this.insertAt(0, nodes);
  }

  replaceChildren(...nodes: (FakeNode | string)[]): void {
    [...this.childNodes].forEach((node) => this.removeChild(node));
    this.append(...nodes.filter((node) => node !== ''));
  }

  contains(node: FakeNode | null): boolean {
    for (let at = node; at !== null; at = at.parentNode) {
      if (at === this) {
        return true;
      }
    }
    return false;
  }

  focus(): void {
    this.ownerDocument.activeElement = this;
  }

  scrollIntoView(): void {
    this.ownerDocument.scrolledIntoView.push(this);
  }

  click(): void {
    this.dispatchEvent(new FakeEvent('click', true));
  }

  addEventListener(type: string, listener: Listener, options?: boolean | { capture?: boolean; passive?: boolean }): void {
    const capture = options === true || (typeof options === 'object' && options.capture === true);
    this.listeners.push({ type, listener, capture });
  }

  /** Capture listeners from the root down, the target's, then (if it bubbles) the others up. */
  dispatchEvent(event: FakeEvent): void {
    event.target = this;
    const ancestors: FakeElement[] = [];
    for (let at = this.parentNode; at !== null; at = at.parentNode) {
      ancestors.push(at);
    }
    const call = (element: FakeElement, capture: boolean | null): void => {
      element.listeners.filter((entry) => entry.type === event.type && (capture === null || entry.capture === capture)).forEach((entry) => entry.listener(event));
    };
    for (const element of [...ancestors].reverse()) {
      call(element, true);
    }
    call(this, null);
    for (const element of event.bubbles ? ancestors : []) {
      if (event.stopped) {
        return;
      }
      call(element, false);
    }
  }

  matches(selector: string): boolean {
    const parts = selector.trim().split(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    if (!matchesCompound(this, parts[parts.length - 1])) {
      return false;
    }
    let rest = parts.length - 2;
    for (let at = this.parentNode; at !== null && rest >= 0; at = at.parentNode) {
      if (matchesCompound(at, parts[rest])) {
        rest--;
      }
    }
    return rest < 0;
  }

  closest(selector: string): FakeElement | null {
    for (let at: FakeElement | null = this; at !== null; at = at.parentNode) {
      if (at.matches(selector)) {
        return at;
      }
    }
    return null;
  }

  querySelectorAll(selector: string): FakeElement[] {
    const found: FakeElement[] = [];
    const visit = (element: FakeElement): void => {
      for (const child of element.children) {
        if (child.matches(selector)) {
          found.push(child);
        }
        visit(child);
      }
    };
    visit(this);
    return found;
  }

  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }
}

const COMPOUND = /^([a-z0-9-]*)((?:\.[\w-]+)*)((?:\[[\w-]+(?:="[^"]*")?\])*)$/i;

/** One compound selector: a tag, classes, attributes with or without a value. */
function matchesCompound(element: FakeElement, compound: string): boolean {
  const parsed = COMPOUND.exec(compound);
  if (parsed === null) {
    throw new Error(`the fake DOM does not read the selector ${compound}`);
  }
  const [, tag, classes, attributes] = parsed;
  if (tag !== '' && element.tagName !== tag.toUpperCase()) {
    return false;
  }
  if (!classes.split('.').slice(1).every((name) => element.classList.contains(name))) {
    return false;
  }
  return [...attributes.matchAll(/\[([\w-]+)(?:="([^"]*)")?\]/g)].every(([, name, value]) => (value === undefined ? element.attributes.has(name) : element.attributes.get(name) === value));
}

export class FakeDocument {
  activeElement: FakeElement | null = null;
  readonly scrolledIntoView: FakeElement[] = [];
  readonly body: FakeElement;
  private readonly byId = new Map<string, FakeElement>();

  constructor() {
    this.body = new FakeElement(this, 'body');
  }

  /** An element with `id`, appended to `parent` (the body by default). */
  add(tag: string, id: string, parent: FakeElement = this.body): FakeElement {
    const element = this.createElement(tag);
    element.id = id;
    parent.append(element);
    this.byId.set(id, element);
    return element;
  }

  getElementById(id: string): FakeElement | null {
    return this.byId.get(id) ?? null;
  }

  createElement(tag: string): FakeElement {
    return new FakeElement(this, tag);
  }

  createTextNode(text: string): FakeText {
    return new FakeText(text);
  }

  getSelection(): { isCollapsed: boolean } {
    return { isCollapsed: true };
  }
}
