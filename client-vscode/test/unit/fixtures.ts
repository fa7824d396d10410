/** Data the tests of the views build on. */
import type { SessionSummary } from '../../src/common/sessions';

/** A session summary as the server lists it, with the given fields changed. */
export function summary(overrides: Partial<SessionSummary>): SessionSummary {
  return {
    sessionId: '5f0c0000-0000-4000-8000-000000000000',
    path: '/home/ada/.claude/projects/-home-ada-app/5f0c.jsonl',
    project: '/home/ada/app',
    title: 'Fix the login form',
    firstActivity: '2026-11-29T10:00:00Z',
    lastActivity: '2026-11-29T11:00:00Z',
    sizeBytes: 2048,
    version: '2.1.38',
    health: 'ok',
    errors: 0,
    warnings: 0,
    subagents: [],
    agent: 'claude-code',
    ...overrides,
  };
}

/** A page of `sessionLsp.conversation` for `path`: a prompt, then a Bash call without a result. */
export function conversationPage(path: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path,
    uri: `file://${path}`,
    sessionId: '5f0c0000-0000-4000-8000-000000000000',
    format: 'claude-code',
    title: 'Fix the login form',
    total: 2,
    offset: 0,
    items: [
      { index: 0, kind: 'prompt', lines: [2, 2], timestamp: null, text: 'fix it', truncated: false, tool: null, findings: [] },
      {
        index: 1,
        kind: 'tool',
        lines: [24, 24],
        timestamp: '2026-01-14T19:26:41.066Z',
        text: null,
        truncated: false,
        tool: { id: 'toolu_1', name: 'Bash', input: '{"command": "ls"}', result: null, isError: false, status: 'unpaired', callLine: 24, resultLine: null, agentFile: null },
        findings: [
          { line: 25, column: 3, endLine: 25, endColumn: 40, severity: 'error', code: 'unpaired-tool-use', message: 'Bash call toolu_1 has no tool_result', toolUseId: 'toolu_1', related: [] },
        ],
      },
    ],
    errors: 1,
    warnings: 0,
    firstProblem: 1,
    abandonedBranches: 0,
    assistantLabel: 'Claude',
    startNote: null,
    segment: 0,
    segments: [{ index: 0, firstLine: 2, lastLine: 24, items: 2, summary: null }],
    ...overrides,
  };
}
