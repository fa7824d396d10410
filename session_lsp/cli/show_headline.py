"""What a tool call did, said in one line for `show`: the command it ran (or polled), the file it
changed, how far its plan got, else its arguments as names and values.

A page cuts a call's input at 4,000 characters, so the input of a Write of a long file is no
longer JSON when it reaches here; the fields written whole before the cut still say which file
it was, and are read from the cut text rather than letting the line fall back to raw JSON.
"""

from __future__ import annotations

import json
import re

from session_lsp.cli.terminal import for_terminal
from session_lsp.core.content_text import shell_command
from session_lsp.core.diffs import diff_files
from session_lsp.core.plans import Todo
from session_lsp.core.turns import ToolCall
from session_lsp.core.typed_keys import process_verb

HEADLINE_KEYS = (  # after a search's pattern, which comes with where it looked
    "file_path",
    "notebook_path",
    "path",
    "query",
    "url",
    "subject",
    "description",
    "plan",
)
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)(")?|[{}\[\]:,]|[^"{}\[\]:,]+')
"""A JSON token: a string (no end quote where the text was cut), a bracket, a colon, a comma,
anything else (numbers, blanks). One pass over the text, without backtracking."""
_SPLIT_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{0,3}\Z")
"""A `\\uXXXX` escape the cut split."""


def input_fields(text: str) -> dict[str, object] | None:
    """The call's input as an object: decoded, or for an object cut short, the string fields
    written whole before the cut; None when the input is no JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # cut short, not JSON, or nested deeper than `json` reads
        return _cut_fields(text) if text.lstrip().startswith("{") else None
    return value if isinstance(value, dict) else None


def _cut_fields(text: str) -> dict[str, object]:
    """The object's own string fields (not a nested object's); the one the cut fell in, begun."""
    fields: dict[str, object] = {}
    depth = 0
    key: str | None = None
    colon = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
        elif token == ":":
            colon = key is not None
        elif token == ",":
            key, colon = None, False
        elif token.startswith('"') and depth == 1:
            value = _string(match.group(1), closed=match.group(2) is not None)
            if colon and key is not None:
                if value is not None:
                    fields.setdefault(key, value)
                key, colon = None, False
            else:
                key = value
    return fields


def _string(body: str, *, closed: bool) -> str | None:
    """A string's text; one the cut ended without the escape it split. None: not decodable."""
    for candidate in [body] if closed else [body, _SPLIT_ESCAPE.sub("", body)]:
        try:
            value = json.loads(f'"{candidate}"')
        except ValueError:
            continue
        return value if isinstance(value, str) else None
    return None


def call_headline(tool: ToolCall) -> str:
    """`$ command`; what a poll waits on or types into; the sub-agents a call acts on; the plan's
    progress; the path, pattern or query; the files a patch changed; else the arguments as
    `name=value`, or the input as it is when it is not an object."""
    if tool.process is not None:
        process = tool.process
        return f"{one_line(process_verb(process.typed))} $ {one_line(process.command)}"
    if tool.acts_on is not None:
        names = ", ".join(one_line(agent.name) for agent in tool.acts_on.agents)
        return f"{one_line(tool.acts_on.verb)} {names}"
    text = tool.input or ""
    fields = input_fields(text)
    if fields is not None:
        command = shell_command(fields)
        if command is not None:
            return "$ " + one_line(command)
    if tool.todos is not None:
        return plan_progress(tool.todos)
    if fields is not None:
        pattern, where = fields.get("pattern"), fields.get("path")
        if isinstance(pattern, str) and pattern:
            # Grep and Glob: what it looked for, and where when it says so.
            return one_line(pattern) + (f"  in {one_line(where)}" if isinstance(where, str) else "")
        for key in HEADLINE_KEYS:
            value = fields.get(key)
            if isinstance(value, str) and value.strip():
                return first_line(value)
        asked = _questions(fields)
        if asked:
            # AskUserQuestion: what it asked, not the JSON of its options.
            more = f"  (+{len(asked) - 1} more)" if len(asked) > 1 else ""
            return f"asks: {first_line(asked[0])}{more}"
    if tool.diff is not None:
        files = diff_files(tool.diff)
        if files:
            return one_line(", ".join(files))
    if fields is not None and (fields or text.strip() == "{}"):  # "{}": nothing to say
        return " ".join(f"{one_line(key)}={_shown(value)}" for key, value in fields.items())
    return one_line(text)


def _questions(fields: dict[str, object]) -> list[str]:
    """The questions of a call that asks the user (`questions: [{question, options}]`)."""
    questions = fields.get("questions")
    if not isinstance(questions, list):
        return []
    return [
        asked["question"]
        for asked in questions
        if isinstance(asked, dict) and isinstance(asked.get("question"), str) and asked["question"]
    ]


def _shown(value: object) -> str:
    if isinstance(value, str):
        return one_line(value) if value else '""'
    return one_line(json.dumps(value, ensure_ascii=False))


def plan_progress(todos: list[Todo]) -> str:
    """`plan: 2 of 5 done · now: <the step under way>`; `plan: emptied` for a list cleared."""
    if not todos:
        return "plan: emptied"
    done = sum(todo.status == "completed" for todo in todos)
    progress = f"plan: {done} of {len(todos)} done"
    current = next((todo for todo in todos if todo.status == "in_progress"), None)
    return progress + (f" · now: {one_line(current.content)}" if current is not None else "")


def first_line(text: str) -> str:
    """The first line of a text that has any, on one line; "" for a blank text."""
    return one_line(next((line for line in text.split("\n") if line.strip()), ""))


def one_line(text: str) -> str:
    """Transcript text on one line, safe to print: line breaks and runs of blanks become one space,
    every other control character a visible escape."""
    return " ".join(for_terminal(text, layout=True).split())
