import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOpenableLink } from '../../src/common/conversation';
import { MARKDOWN_TAGS, markdownTree, type MarkdownNode } from '../../src/common/markdownTree';

/** Every node of a tree, depth first. */
function walk(nodes: readonly MarkdownNode[]): MarkdownNode[] {
  return nodes.flatMap((node) => [node, ...(node.kind === 'element' || node.kind === 'link' ? walk(node.children) : [])]);
}

function textOf(nodes: readonly MarkdownNode[]): string {
  return walk(nodes)
    .map((node) => (node.kind === 'text' ? node.text : ''))
    .join('');
}

test('a reply\'s Markdown becomes headings, lists, emphasis, inline code and fenced code', () => {
  const tree = markdownTree('# Done\n\n- **bold** and *em*\n- `code`\n\n```ts\nconst x = 1;\n```\n');
  assert.deepEqual(
    tree.map((node) => (node.kind === 'element' ? node.tag : node.kind)),
    ['h1', 'ul', 'pre'],
  );
  const tags = walk(tree).flatMap((node) => (node.kind === 'element' ? [node.tag] : []));
  assert.deepEqual(tags, ['h1', 'ul', 'li', 'strong', 'em', 'li', 'code', 'pre', 'code']);
  const fence = walk(tree).find((node) => node.kind === 'element' && node.tag === 'code' && node.language !== undefined);
  assert.deepEqual(fence, { kind: 'element', tag: 'code', children: [{ kind: 'text', text: 'const x = 1;\n' }], language: 'ts' });
});

test('hostile Markdown: raw HTML stays text, images become their alt text, only link nodes carry an address', () => {
  const hostile = [
    '<img src=x onerror="alert(1)">',
    '<script>alert(1)</script>',
    '![tracker](https://evil.example/pixel.png)',
    '[x](command:workbench.action.closeWindow)',
    '[y](javascript:alert(1))',
    '<https://example.com/auto>',
    '[ok](https://example.com/page)',
  ].join('\n\n');
  const tree = markdownTree(hostile);
  const nodes = walk(tree);
  for (const node of nodes) {
    if (node.kind === 'element') {
      assert.ok((MARKDOWN_TAGS as readonly string[]).includes(node.tag), `${node.tag} is allowed`);
    }
  }
  const text = textOf(tree);
  assert.ok(text.includes('<img src=x onerror="alert(1)">'), 'the tag shows as text');
  assert.ok(text.includes('<script>alert(1)</script>'));
  assert.ok(text.includes('[image: tracker]'), 'an image is its alt text, never loaded');
  assert.ok(!text.includes('evil.example'), 'the image address is not shown or kept');
  const links = nodes.flatMap((node) => (node.kind === 'link' ? [node.href] : []));
  // markdown-it refuses javascript: links (left as text); the others are link nodes, of which the
  // view offers to open only the http(s) ones.
  assert.ok(!links.some((href) => href.startsWith('javascript:')));
  assert.ok(text.includes('[y](javascript:alert(1))'));
  assert.deepEqual(links.filter(isOpenableLink), ['https://example.com/auto', 'https://example.com/page']);
  assert.ok(links.includes('command:workbench.action.closeWindow'));
  assert.equal(isOpenableLink('command:workbench.action.closeWindow'), false);
});

test('task-list items start with a check box node, not brackets', () => {
  const tree = markdownTree('- [x] shipped\n- [ ] next\n');
  const checks = walk(tree).flatMap((node) => (node.kind === 'check' ? [node.checked] : []));
  assert.deepEqual(checks, [true, false]);
  assert.equal(textOf(tree), 'shippednext');
});

test('an ordered list keeps its start number; a table keeps its cells', () => {
  const tree = markdownTree('3. three\n4. four\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
  const list = tree[0];
  assert.ok(list.kind === 'element' && list.tag === 'ol' && list.start === 3);
  const cells = walk(tree).flatMap((node) => (node.kind === 'element' && (node.tag === 'th' || node.tag === 'td') ? [textOf(node.children)] : []));
  assert.deepEqual(cells, ['a', 'b', '1', '2']);
});
