/**
 * VS Code turns `[text](command:…)`, `[text](https://…)` and `[text](file:…)` in a notification's
 * message into links, and a `command:` link runs that command with the arguments it carries when
 * clicked. Text from the server or a transcript (a project folder, a file name, a session id) must
 * not be able to make one: a zero-width space between `]` and `(` breaks the link syntax and leaves
 * the text as it reads.
 */
export function withoutLinks(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(');
}
