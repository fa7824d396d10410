/** What the status bar item says; pure so that the wording is unit-tested. */

export type ServerState = 'idle' | 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusText {
  readonly text: string;
  readonly tooltip: string;
  /** What clicking the item opens: the logs, or the active transcript's conversation view at its first problem. */
  readonly onClick: 'logs' | 'conversation';
}

/**
 * @param problemCount session-lsp diagnostics of the active transcript, or undefined when the
 *   active editor is not a transcript.
 */
export function describeStatus(state: ServerState, problemCount: number | undefined, serverDescription: string | undefined): StatusText {
  const server = serverDescription === undefined ? '' : `\nServer: ${serverDescription}`;
  switch (state) {
    case 'idle':
      return { text: 'Session LSP', tooltip: `Session LSP: the server starts when a session transcript is opened.${server}`, onClick: 'logs' };
    case 'starting':
      return { text: '$(sync~spin) Session LSP', tooltip: `Session LSP: starting the server…${server}`, onClick: 'logs' };
    case 'stopped':
      return { text: '$(debug-stop) Session LSP', tooltip: `Session LSP: the server is stopped. Click to show the logs.${server}`, onClick: 'logs' };
    case 'failed':
      return { text: '$(error) Session LSP', tooltip: `Session LSP: the server failed to start. Click to show the logs.${server}`, onClick: 'logs' };
    case 'running':
      if (problemCount === undefined) {
        return { text: '$(check) Session LSP', tooltip: `Session LSP: running.${server}`, onClick: 'logs' };
      }
      if (problemCount === 0) {
        return {
          text: '$(check) Session: no problems',
          tooltip: `Session LSP: this transcript has no problems. Click to open its conversation view.${server}`,
          onClick: 'conversation',
        };
      }
      return {
        text: `$(warning) Session: ${problemCount} problem${problemCount === 1 ? '' : 's'}`,
        tooltip: `Session LSP: this transcript has ${problemCount} problem${problemCount === 1 ? '' : 's'}. Click to open the conversation view at the first one.${server}`,
        onClick: 'conversation',
      };
  }
}
