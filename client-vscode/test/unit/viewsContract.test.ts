/**
 * The Sessions and conversation views against the server's contract (`commands.schema.json`,
 * kept equal to the server by a Python test): the enums the views switch on and the fields their
 * checks read. A renamed kind, status, health or field fails here rather than in a user's editor.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { asConversationPage, ITEM_KINDS, PAGE_SIZE, TOOL_STATUSES } from '../../src/common/conversation';
import { asSessionSummaries, SESSION_AGENTS, SESSION_HEALTHS } from '../../src/common/sessions';
import { conversationPage, summary } from './fixtures';

type Definition = { required?: string[]; properties?: Record<string, { enum?: string[]; type?: string }> };
const DEFINITIONS = (JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'src', 'common', 'commands.schema.json'), 'utf8')) as { $defs: Record<string, Definition> }).$defs;

function enumOf(definition: string, property: string): string[] {
  return [...(DEFINITIONS[definition].properties?.[property]?.enum ?? [])].sort();
}

test('the views know every item kind, tool status and health the server sends', () => {
  assert.deepEqual(enumOf('ConversationItem', 'kind'), [...ITEM_KINDS].sort());
  assert.deepEqual(enumOf('ConversationTool', 'status'), [...TOOL_STATUSES].sort());
  assert.deepEqual(enumOf('SessionSummary', 'health'), [...SESSION_HEALTHS].sort());
  assert.deepEqual(enumOf('SessionSummary', 'agent'), [...SESSION_AGENTS].sort());
});

test('the fixtures the view tests use have exactly the fields the server sends', () => {
  assert.deepEqual(Object.keys(summary({})).sort(), [...(DEFINITIONS.SessionSummary.required ?? [])].sort());
  const page = conversationPage('/p/s.jsonl');
  assert.deepEqual(Object.keys(page).sort(), [...(DEFINITIONS.ConversationResult.required ?? [])].sort());
  const [, toolItem] = page.items as Record<string, unknown>[];
  assert.deepEqual(Object.keys(toolItem).sort(), [...(DEFINITIONS.ConversationItem.required ?? [])].sort());
  assert.deepEqual(Object.keys(toolItem.tool as object).sort(), [...(DEFINITIONS.ConversationTool.required ?? [])].sort());
  assert.doesNotThrow(() => asSessionSummaries([summary({})]));
  assert.doesNotThrow(() => asConversationPage(page));
});

test('the page request the view sends is one the server accepts', () => {
  assert.deepEqual(Object.keys(DEFINITIONS.Page.properties ?? {}).sort(), ['limit', 'offset', 'segment']);
  assert.ok(PAGE_SIZE <= 2000, 'the server caps limit at 2000');
});
