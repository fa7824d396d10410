import * as vscode from 'vscode';
import type { TraceLevel } from '../common/settings';

/**
 * The channel vscode-languageclient writes its LSP trace to. The client (v10+) traces only while
 * this channel's log level is Trace, and then reads `sessionLsp.trace.server` for
 * messages/verbose. This wrapper reports Trace exactly when that setting is not `off`, so the
 * setting alone turns tracing on and off, and it forwards the trace lines into the one
 * "Session LSP" channel that Show Logs opens, next to the server's own log.
 */
export class SettingDrivenTraceChannel implements vscode.LogOutputChannel {
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  readonly onDidChangeLogLevel: vscode.Event<vscode.LogLevel> = this.levelChanged.event;
  private level: vscode.LogLevel;

  constructor(
    private readonly target: vscode.LogOutputChannel,
    private readonly traceSetting: () => TraceLevel,
  ) {
    this.level = this.levelFor(traceSetting());
  }

  get name(): string {
    return this.target.name;
  }

  get logLevel(): vscode.LogLevel {
    return this.level;
  }

  /** Re-reads the setting; call it when `sessionLsp.trace.server` changes. */
  refresh(): void {
    const level = this.levelFor(this.traceSetting());
    if (level !== this.level) {
      this.level = level;
      this.levelChanged.fire(level);
    }
  }

  private levelFor(trace: TraceLevel): vscode.LogLevel {
    return trace === 'off' ? vscode.LogLevel.Info : vscode.LogLevel.Trace;
  }

  // Trace lines are written at info level so that they show at the channel's default level.
  trace(message: string, ...args: unknown[]): void {
    this.target.info(message, ...args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.target.debug(message, ...args);
  }
  info(message: string, ...args: unknown[]): void {
    this.target.info(message, ...args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.target.warn(message, ...args);
  }
  error(error: string | Error, ...args: unknown[]): void {
    this.target.error(error, ...args);
  }
  append(value: string): void {
    this.target.append(value);
  }
  appendLine(value: string): void {
    this.target.appendLine(value);
  }
  replace(value: string): void {
    this.target.replace(value);
  }
  clear(): void {
    this.target.clear();
  }
  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === 'boolean' || columnOrPreserveFocus === undefined) {
      this.target.show(columnOrPreserveFocus);
    } else {
      this.target.show(columnOrPreserveFocus, preserveFocus);
    }
  }
  hide(): void {
    this.target.hide();
  }
  /** The target channel belongs to the extension, which disposes it; only the emitter is ours. */
  dispose(): void {
    this.levelChanged.dispose();
  }
}
