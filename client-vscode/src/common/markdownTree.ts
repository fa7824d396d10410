/**
 * An assistant's Markdown as a small tree of allowed elements, for the conversation view to build
 * with `createElement` and `textContent` (never `innerHTML`): transcript text is untrusted.
 *
 * markdown-it parses (CommonMark, `html: false`, so raw HTML is text); the token stream is mapped
 * onto an allow-list of tags. What could reach out of the webview is never made into an element
 * that does so: an image becomes its alt text, a link a `link` node (the view shows its text and
 * opens an http(s) address only through the extension, which asks VS Code, which asks the user).
 * No `vscode` import and no DOM: the unit tests run it in Node.
 */
import MarkdownIt from 'markdown-it';

/** Elements the view may create from transcript Markdown; nothing else is ever made. */
export const MARKDOWN_TAGS = [
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong', 's', 'hr', 'br',
  'table', 'thead', 'tbody', 'tr', 'th', 'td',
] as const;
export type MarkdownTag = (typeof MARKDOWN_TAGS)[number];

export type MarkdownNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'element'; readonly tag: MarkdownTag; readonly children: MarkdownNode[]; readonly language?: string; readonly start?: number }
  /** A link: its text is shown; `href` is only offered to the extension, and only if http(s). */
  | { readonly kind: 'link'; readonly href: string; readonly children: MarkdownNode[] }
  /** A task-list item's box (`- [ ]`, `- [x]`): shown as a glyph, never an input. */
  | { readonly kind: 'check'; readonly checked: boolean };

type Token = ReturnType<MarkdownIt['parse']>[number];

const parser = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false }).enable(['table', 'strikethrough']);

const BLOCK_TAGS: Record<string, MarkdownTag> = {
  paragraph_open: 'p',
  bullet_list_open: 'ul',
  ordered_list_open: 'ol',
  list_item_open: 'li',
  blockquote_open: 'blockquote',
  table_open: 'table',
  thead_open: 'thead',
  tbody_open: 'tbody',
  tr_open: 'tr',
  th_open: 'th',
  td_open: 'td',
  em_open: 'em',
  strong_open: 'strong',
  s_open: 's',
};
const HEADINGS = new Set<string>(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const TASK_BOX = /^\[([ xX])\]\s/;

/** The Markdown `source` as a tree of allowed nodes. */
export function markdownTree(source: string): MarkdownNode[] {
  const root: MarkdownNode[] = [];
  const stack: MarkdownNode[][] = [root];
  const top = (): MarkdownNode[] => stack[stack.length - 1];
  const open = (node: MarkdownNode & { children: MarkdownNode[] }): void => {
    top().push(node);
    stack.push(node.children);
  };
  const close = (): void => {
    if (stack.length > 1) {
      stack.pop();
    }
  };
  // A tight list's paragraphs are hidden: their children go straight into the item.
  const hiddenParagraphs: boolean[] = [];
  for (const token of parser.parse(source, {})) {
    if (token.type === 'paragraph_open' && token.hidden) {
      hiddenParagraphs.push(true);
      continue;
    }
    if (token.type === 'paragraph_close' && token.hidden) {
      hiddenParagraphs.pop();
      continue;
    }
    if (token.type === 'heading_open') {
      open({ kind: 'element', tag: HEADINGS.has(token.tag) ? (token.tag as MarkdownTag) : 'h6', children: [] });
    } else if (token.type === 'ordered_list_open') {
      const start = Number(token.attrGet('start') ?? '1');
      open({ kind: 'element', tag: 'ol', children: [], start: Number.isSafeInteger(start) ? start : 1 });
    } else if (token.type in BLOCK_TAGS) {
      open({ kind: 'element', tag: BLOCK_TAGS[token.type], children: [] });
    } else if (token.nesting === -1) {
      close();
    } else if (token.type === 'inline') {
      inlineNodes(token.children ?? [], top());
    } else if (token.type === 'fence' || token.type === 'code_block') {
      const language = token.info.trim().split(/\s+/)[0] ?? '';
      const code: MarkdownNode = { kind: 'element', tag: 'code', children: [{ kind: 'text', text: token.content }], ...(language ? { language } : {}) };
      top().push({ kind: 'element', tag: 'pre', children: [code] });
    } else if (token.type === 'hr') {
      top().push({ kind: 'element', tag: 'hr', children: [] });
    } else if (token.content !== '') {
      top().push({ kind: 'text', text: token.content });
    }
  }
  markTasks(root);
  return root;
}

function inlineNodes(tokens: readonly Token[], into: MarkdownNode[]): void {
  const stack: MarkdownNode[][] = [into];
  const top = (): MarkdownNode[] => stack[stack.length - 1];
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        pushText(top(), token.content);
        break;
      case 'softbreak':
        pushText(top(), '\n');
        break;
      case 'hardbreak':
        top().push({ kind: 'element', tag: 'br', children: [] });
        break;
      case 'code_inline':
        top().push({ kind: 'element', tag: 'code', children: [{ kind: 'text', text: token.content }] });
        break;
      case 'image':
        // Never loaded: the alt text stands in, marked as an image by the view.
        pushText(top(), `[image: ${token.content}]`);
        break;
      case 'link_open': {
        const link: MarkdownNode = { kind: 'link', href: token.attrGet('href') ?? '', children: [] };
        top().push(link);
        stack.push(link.children);
        break;
      }
      default:
        if (token.type in BLOCK_TAGS) {
          const node: MarkdownNode = { kind: 'element', tag: BLOCK_TAGS[token.type], children: [] };
          top().push(node);
          stack.push(node.children);
        } else if (token.nesting === -1) {
          if (stack.length > 1) {
            stack.pop();
          }
        } else if (token.content !== '') {
          pushText(top(), token.content);
        }
    }
  }
}

function pushText(into: MarkdownNode[], text: string): void {
  const last = into[into.length - 1];
  if (last !== undefined && last.kind === 'text') {
    into[into.length - 1] = { kind: 'text', text: last.text + text };
  } else {
    into.push({ kind: 'text', text });
  }
}

/** `- [ ] thing` and `- [x] thing` list items start with a check node instead of the brackets. */
function markTasks(nodes: MarkdownNode[]): void {
  for (const node of nodes) {
    if (node.kind !== 'element' && node.kind !== 'link') {
      continue;
    }
    if (node.kind === 'element' && node.tag === 'li') {
      const holder = node.children[0]?.kind === 'element' && node.children[0].tag === 'p' ? node.children[0].children : node.children;
      const first = holder[0];
      const box = first?.kind === 'text' ? TASK_BOX.exec(first.text) : null;
      if (box !== null && first?.kind === 'text') {
        holder.splice(0, 1, { kind: 'check', checked: box[1] !== ' ' }, { kind: 'text', text: first.text.slice(box[0].length) });
      }
    }
    markTasks(node.children);
  }
}
