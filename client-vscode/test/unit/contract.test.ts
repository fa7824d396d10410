/**
 * The extension's expectations against the server's contract, `commands.schema.json`, which a
 * Python test keeps equal to `session_lsp/lsp/api.py`. A renamed command, a renamed or retyped
 * result field, or a field the server may omit makes these fail here, not in a user's editor.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ServerCommands } from '../../src/common/constants';
import {
  FINDING_SHAPE,
  RESULT_SHAPES,
  UnexpectedResultError,
  asCheckFileResult,
  asFixAllResult,
  asFixFileResult,
  asForkSessionResult,
  asRestoreBackupResult,
  type FieldKind,
  type Shape,
} from '../../src/common/results';

type Schema = { [key: string]: unknown };

const CONTRACT = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'src', 'common', 'commands.schema.json'), 'utf8')) as {
  commands: Record<string, { arguments: Schema; result: Schema }>;
  $defs: Record<string, Schema>;
};

const PARSERS: Readonly<Record<keyof typeof RESULT_SHAPES, (command: string, value: unknown) => unknown>> = {
  [ServerCommands.checkFile]: asCheckFileResult,
  [ServerCommands.fixFile]: asFixFileResult,
  [ServerCommands.restoreBackup]: asRestoreBackupResult,
  [ServerCommands.forkSession]: asForkSessionResult,
  [ServerCommands.fixAll]: asFixAllResult,
};

function resolved(schema: Schema): Schema {
  const reference = schema.$ref;
  if (typeof reference === 'string') {
    const name = reference.replace('#/$defs/', '');
    const target = CONTRACT.$defs[name];
    assert.ok(target, `missing definition ${name}`);
    return resolved(target);
  }
  return schema;
}

/** The kind the extension's shape checks should use for a schema property. */
function kindOf(schema: Schema, required: boolean): FieldKind | undefined {
  const options = Array.isArray(schema.anyOf) ? (schema.anyOf as Schema[]).map(resolved) : [resolved(schema)];
  const types = options.map((option) => (option.enum !== undefined ? 'string' : option.type)).sort();
  const only = types.length === 1 ? types[0] : types.join('|');
  const simple: Record<string, FieldKind> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean', array: 'array', 'null|string': 'string|null' };
  const kind = simple[String(only)];
  if (!required) {
    return kind === 'string' ? 'string?' : undefined;
  }
  return kind;
}

/** A minimal value the schema accepts: every required property, nothing optional. */
function example(schema: Schema): unknown {
  const target = resolved(schema);
  if (Array.isArray(target.anyOf)) {
    return example((target.anyOf as Schema[])[0]);
  }
  if (Array.isArray(target.enum)) {
    return target.enum[0];
  }
  switch (target.type) {
    case 'object': {
      const properties = (target.properties ?? {}) as Record<string, Schema>;
      const required = (target.required ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, example(properties[name])]));
    }
    case 'array':
      return target.items === undefined || target.items === false ? [] : [example(target.items as Schema)];
    case 'string':
      return 'text';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      throw new Error(`no example for ${JSON.stringify(target)}`);
  }
}

function assertShapeMatches(label: string, shape: Shape, schema: Schema): void {
  const object = resolved(schema);
  const properties = (object.properties ?? {}) as Record<string, Schema>;
  const required = new Set((object.required ?? []) as string[]);
  for (const [field, kind] of Object.entries(shape)) {
    assert.ok(field in properties, `${label}: the client reads "${field}", which the server never sends`);
    assert.equal(kindOf(properties[field], required.has(field)), kind, `${label}: "${field}" is checked as ${kind}`);
  }
}

test('every server command the extension sends is in the contract', () => {
  for (const command of Object.values(ServerCommands)) {
    assert.ok(command in CONTRACT.commands, `${command} is not a server command`);
  }
});

test('no module but constants.ts names a server command: they all go through ServerCommands', () => {
  const sourceRoot = resolve(__dirname, '..', '..', '..', 'src');
  const sources = readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  assert.ok(sources.length > 10, 'the sources were found');
  const named: string[] = [];
  for (const source of sources) {
    if (source === join('common', 'constants.ts')) {
      continue;
    }
    const text = readFileSync(join(sourceRoot, source), 'utf8');
    for (const command of Object.keys(CONTRACT.commands)) {
      // As a command: sent, or compared with one. The custom editor's view type happens to share
      // the conversation command's name, and is a view type.
      const pattern = new RegExp(`(executeServerCommand|sendRequest|executeCommand|command ===|has)\\(?\\s*['"\`]${command.replace('.', '\\.')}['"\`]`);
      if (pattern.test(text)) {
        named.push(`${source}: ${command}`);
      }
    }
  }
  assert.deepEqual(named, []);
  for (const command of ['sessionLsp.listSessions', 'sessionLsp.conversation']) {
    assert.ok((Object.values(ServerCommands) as string[]).includes(command), `${command} is in ServerCommands`);
  }
});

test("each result check reads only fields the server sends, with the server's types", () => {
  for (const [command, shape] of Object.entries(RESULT_SHAPES)) {
    assertShapeMatches(command, shape, CONTRACT.commands[command].result);
  }
  const checkFile = resolved(CONTRACT.commands[ServerCommands.checkFile].result);
  const findings = (checkFile.properties as Record<string, Schema>).findings;
  assertShapeMatches('finding', FINDING_SHAPE, findings.items as Schema);
});

test('every result the contract allows passes the extension, and missing fields are caught', () => {
  for (const [command, parse] of Object.entries(PARSERS)) {
    const schema = CONTRACT.commands[command].result;
    const value = example(schema) as Record<string, unknown>;
    if (command === ServerCommands.checkFile) {
      value.findings = [example((resolved(schema).properties as Record<string, Schema>).findings.items as Schema)];
    }
    assert.doesNotThrow(() => parse(command, value), command);
    for (const field of Object.keys(RESULT_SHAPES[command as keyof typeof RESULT_SHAPES])) {
      const broken = { ...value };
      delete broken[field];
      assert.throws(() => parse(command, broken), UnexpectedResultError, `${command} without ${field}`);
    }
  }
});

test('commands take positional arguments as the extension sends them', () => {
  const fixAll = resolved(CONTRACT.commands[ServerCommands.fixAll].arguments);
  assert.equal(fixAll.type, 'array');
  assert.equal((fixAll.prefixItems as Schema[]).length, 2);
  for (const command of [ServerCommands.checkFile, ServerCommands.restoreBackup]) {
    const schema = resolved(CONTRACT.commands[command].arguments);
    assert.equal(schema.minItems, 1, command);
  }
  const strategies = resolved((resolved(CONTRACT.commands[ServerCommands.fixFile].arguments).prefixItems as Schema[])[1]);
  const values = ((strategies.anyOf as Schema[]).map(resolved).find((option) => Array.isArray(option.enum))?.enum ?? []) as string[];
  assert.deepEqual([...values].sort(), ['purge', 'stub', 'truncate']);
});
