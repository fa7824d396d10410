/** Ids of the Sessions view and the conversation view, as package.json contributes them. */

export const SESSIONS_VIEW_ID = 'sessionLsp.sessions';
export const CONVERSATION_VIEW_TYPE = 'sessionLsp.conversation';

/** Context key: true while the Sessions view shows only sessions that need attention. */
export const BROKEN_ONLY_CONTEXT = 'sessionLsp.sessions.brokenOnly';

export const ViewCommands = {
  openConversation: 'sessionLsp.client.openConversation',
  refreshSessions: 'sessionLsp.sessions.refresh',
  searchSessions: 'sessionLsp.sessions.search',
  showBrokenOnly: 'sessionLsp.sessions.showBrokenOnly',
  showAll: 'sessionLsp.sessions.showAll',
  openRaw: 'sessionLsp.sessions.openRaw',
  check: 'sessionLsp.sessions.check',
  fix: 'sessionLsp.sessions.fix',
  fork: 'sessionLsp.sessions.fork',
  restoreBackup: 'sessionLsp.sessions.restoreBackup',
  copyResumeCommand: 'sessionLsp.sessions.copyResumeCommand',
} as const;
