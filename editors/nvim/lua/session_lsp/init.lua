-- session-lsp for Neovim (0.7 and later): pick a Claude Code or Codex session, read it as a
-- conversation, repair it. Everything comes from the language server's commands
-- (sessionLsp.listSessions, sessionLsp.conversation, sessionLsp.fixFile): the same findings and
-- repairs as the CLI and VS Code, nothing re-implemented here.
local M = {}

local config = {
  cmd = { "session-lsp", "serve" },
  -- Items asked for per request; the server sends at most 2000.
  page_size = 500,
  -- Milliseconds to wait for a server we started to finish initializing.
  start_timeout = 15000,
}

local CLIENT_NAMES = { ["session-lsp"] = true, session_lsp = true }
local HEALTH_MARK = { ok = "ok", broken = "BROKEN", live = "live", unreadable = "unreadable" }
local OPEN_KINDS = { prompt = true, assistant = true, recap = true }
local VIEW_SCHEME = "session-lsp://"

-- The conversation views: buffer number -> { path = the transcript, ranges = its items' lines }.
local views = {}

function M.setup(options)
  config = vim.tbl_extend("force", config, options or {})
end

local function notify(message, level)
  vim.notify("session-lsp: " .. message, level or vim.log.levels.INFO)
end

-- A count and its noun: "1 error", "2 errors".
local function counted(number, noun)
  return number .. " " .. noun .. (number == 1 and "" or "s")
end

-- A transcript's text may hold any character: a name or a header shows no control characters.
local function one_line(text)
  return (tostring(text or ""):gsub("%c", " "))
end

local function active_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients()
  end
  return vim.lsp.get_active_clients()
end

local function running_client()
  for _, client in pairs(active_clients()) do
    if CLIENT_NAMES[client.name] then
      return client
    end
  end
  return nil
end

-- The server being started and the calls waiting for it to initialize. On 0.7
-- get_active_clients() does not list a client still initializing: without this, a command
-- arriving meanwhile would start a second server.
local starting = nil
-- The exit code of each server started here, by client id: one that dies at startup says so.
local exit_codes = {}

local function start_server()
  local id = vim.lsp.start_client({
    name = "session-lsp",
    cmd = config.cmd,
    root_dir = vim.fn.getcwd(),
    -- Called in a fast event (no editor API): only noted, the wait for the server reads it.
    on_exit = function(code, _, client_id)
      exit_codes[client_id] = code
    end,
  })
  return id and vim.lsp.get_client_by_id(id)
end

-- Waits for `starting.client` to initialize, then runs the calls waiting on it in the order they
-- came. A server that exits does not keep them waiting the whole start_timeout.
local function wait_for_start()
  local client = starting.client
  local timer = vim.loop.new_timer()
  local waited, done = 0, false
  timer:start(0, 20, vim.schedule_wrap(function()
    waited = waited + 20
    local code = exit_codes[client.id]
    local exited = code ~= nil or vim.lsp.get_client_by_id(client.id) == nil
    -- A tick scheduled before the timer stopped may still come.
    if done or not (client.initialized or exited or waited >= config.start_timeout) then
      return
    end
    done = true
    timer:stop()
    timer:close()
    local waiting = starting.waiting
    starting = nil
    if client.initialized and not exited then
      for _, callback in ipairs(waiting) do
        callback(client)
      end
    elseif exited then
      local how = code and string.format(" (exit code %d)", code) or ""
      notify("the server stopped before it was ready" .. how .. ": " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
    else
      notify("the server did not start within " .. config.start_timeout .. " ms", vim.log.levels.ERROR)
    end
  end))
end

-- Calls `callback(client)` once a session-lsp client is initialized: the one an attached buffer
-- already uses, or one started here with no buffer (the commands work on files on disk).
local function with_client(callback)
  if starting then
    table.insert(starting.waiting, callback)
    return
  end
  local client = running_client()
  if client and client.initialized then
    return callback(client)
  end
  if not client then
    client = start_server()
    if not client then
      notify("could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return
    end
  end
  starting = { client = client, waiting = { callback } }
  wait_for_start()
end

local function request(client, method, params, handler)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler)
  end
  return client.request(method, params, handler)
end

-- Runs a server command; `on_result(result)` gets its result. An error is shown, then passed to
-- `on_error(err)` if given.
function M.execute(command, arguments, on_result, on_error)
  with_client(function(client)
    local params = { command = command, arguments = arguments }
    request(client, "workspace/executeCommand", params, function(err, result)
      if err then
        notify(one_line(err.message), vim.log.levels.ERROR)
        if on_error then
          on_error(err)
        end
        return
      end
      on_result(result)
    end)
  end)
end

-- The session a command acts on: its argument, the file the conversation view shows, or the
-- current buffer's file.
local function session_path(argument)
  if argument and argument ~= "" then
    return vim.fn.fnamemodify(argument, ":p")
  end
  local view = views[vim.api.nvim_get_current_buf()]
  if view then
    return view.path
  end
  local name = vim.api.nvim_buf_get_name(0)
  if name ~= "" then
    return name
  end
  return nil
end

function M.format_session(session)
  local health = HEALTH_MARK[session.health] or session.health
  if session.health == "broken" then
    health = health .. " (" .. counted(session.errors, "error") .. ")"
  end
  local title = session.title or session.sessionId
  local when = (session.lastActivity or ""):sub(1, 16):gsub("T", " ")
  local project = session.project and vim.fn.fnamemodify(session.project, ":~") or ""
  -- A Codex rollout says so: `codex resume` resumes it, not claude (no marker: Claude Code's).
  local agent = session.agent == "codex" and "codex · " or ""
  return one_line(string.format("[%s] %s%s  %s  %s", health, agent, title, when, project))
end

-- :SessionList [root]: every session (Claude Code's under root, Codex's rollouts), newest first,
-- through vim.ui.select; the one chosen opens in the conversation view.
function M.list(root)
  local arguments = {}
  if root and root ~= "" then
    arguments = { vim.fn.fnamemodify(root, ":p") }
  end
  M.execute("sessionLsp.listSessions", arguments, function(sessions)
    if not sessions or #sessions == 0 then
      notify("no sessions found")
      return
    end
    vim.ui.select(sessions, { prompt = "Sessions", format_item = M.format_session }, function(choice)
      if choice then
        M.show(choice.path)
      end
    end)
  end)
end

-- A transcript's name in the matches: its title, else its session id or file name.
local function transcript_name(found)
  if type(found.title) == "string" and found.title ~= "" then
    return found.title
  end
  if type(found.sessionId) == "string" and found.sessionId ~= "" then
    return found.sessionId
  end
  return vim.fn.fnamemodify(found.path, ":t")
end

-- One line per match: where it is (items counted from 1, as the view and `show` count them), its
-- session and the match in its context; a sub-agent's match says whose (its title, else its file
-- name), and a `more` entry that the transcript has matches past those listed.
-- `match`: { session, hit, found = the transcript it is in (default: session), agent = whether
-- `found` is one of session's sub-agents, more = whether it stands for the matches left out }.
function M.format_match(match)
  local hit, session = match.hit, match.session
  local found = match.found or session
  local whose = ""
  if match.agent then
    local name = type(found.title) == "string" and found.title ~= "" and found.title
      or vim.fn.fnamemodify(found.path, ":t")
    whose = string.format("sub-agent (%s) · ", name)
  end
  local title = transcript_name(session)
  if match.more then
    local what = match.agent and "sub-agent" or "session"
    local shown = #(found.hits or {})
    return one_line(string.format("%s… more matches in this %s, past the %d shown — %s", whose, what, shown, title))
  end
  local where = string.format("item %d", hit.index + 1)
  local last = (found.segments or 1) - 1
  local first_branch = last - (found.branches or 0)
  if hit.segment >= first_branch and hit.segment < last then
    -- Numbered as :SessionHistory takes it: the compactions' parts come first.
    where = string.format("part %d, an abandoned branch · %s", hit.segment + 1, where)
  elseif hit.segment < last then
    where = string.format("before compaction %d · %s", hit.segment + 1, where)
  end
  return one_line(string.format("%s%s · %s — %s: %s", whose, where, hit.field, title, hit.snippet))
end

-- The entries of one transcript's matches (`found`: the session or one of its sub-agents), then,
-- when the server left some out, one that says so and opens the transcript at its last one shown.
local function push_matches(matches, session, found, agent)
  local hits = found.hits or {}
  for _, hit in ipairs(hits) do
    table.insert(matches, { session = session, found = found, agent = agent, hit = hit })
  end
  if found.more == true and #hits > 0 then
    table.insert(matches, { session = session, found = found, agent = agent, hit = hits[#hits], more = true })
  end
end

-- :SessionSearch {text}: every session (Claude Code's under `root`, default the projects folder,
-- and Codex's rollouts) searched by the server, newest first; the matches through vim.ui.select,
-- each session's own, then its sub-agents' (a session may match through them alone), and the one
-- chosen opens in the conversation view (of the sub-agent's transcript for theirs) with the
-- cursor on its item.
function M.search(query, root, on_shown)
  if not query or vim.trim(query) == "" then
    notify("give the text to find: :SessionSearch {text}", vim.log.levels.ERROR)
    return
  end
  local arguments = { { query = query } }
  if root and root ~= "" then
    table.insert(arguments, vim.fn.fnamemodify(root, ":p"))
  end
  M.execute("sessionLsp.searchSessions", arguments, function(found)
    local matches = {}
    for _, session in ipairs(found or {}) do
      push_matches(matches, session, session, false)
      -- An older server sends no `agents`.
      for _, agent in ipairs(type(session.agents) == "table" and session.agents or {}) do
        push_matches(matches, session, agent, true)
      end
    end
    if #matches == 0 then
      notify("no session mentions " .. vim.inspect(query))
      return
    end
    vim.ui.select(matches, { prompt = "Matches", format_item = M.format_match }, function(choice)
      if choice then
        M.open_match(choice, on_shown)
      end
    end)
  end)
end

-- The conversation view of a match's transcript (its session's, or its sub-agent's), at the
-- match: the history part it is in, if any. A `more` entry opens at the last match listed.
function M.open_match(match, on_shown)
  local found = match.found or match.session
  local in_history = match.hit.segment < (found.segments or 1) - 1
  M.show(found.path, function(buf, page, items)
    for _, range in ipairs(views[buf].ranges) do
      if range.item.index == match.hit.index then
        vim.api.nvim_win_set_cursor(0, { range.first, 0 })
        vim.cmd("normal! zv")
        break
      end
    end
    if on_shown then
      on_shown(buf, page, items)
    end
  end, in_history and match.hit.segment or nil)
end

-- All items of a session, page by page, then `on_done(first_page, items)`.
-- `segment`: a part of the history before a compaction (counted from 0), nil for the last.
local function load_conversation(path, on_done, segment)
  local items = {}
  local function load(offset)
    local wanted = { offset = offset, limit = config.page_size, segment = segment }
    M.execute("sessionLsp.conversation", { path, wanted }, function(page)
      vim.list_extend(items, page.items)
      local next_offset = page.offset + #page.items
      if #page.items > 0 and next_offset < page.total then
        load(next_offset)
      else
        on_done(page, items)
      end
    end)
  end
  load(0)
end

-- `continuation` (default `prefix`) starts every line after the first.
local function push_text(lines, prefix, text, continuation)
  -- A diff or an output ends with a line break: no empty line after it.
  if text:sub(-1) == "\n" then
    text = text:sub(1, -2)
  end
  for number, line in ipairs(vim.split(text, "\n", { plain = true })) do
    table.insert(lines, (number == 1 and prefix or continuation or prefix) .. line)
  end
end

-- A text under a label (`$ `, `result: `): the label on its first line only, the next lines
-- indented under the text, so a command or a result of several lines reads as one.
local function push_labelled(lines, label, text)
  push_text(lines, "    " .. label, text, "    " .. string.rep(" ", #label))
end

local PLAN_MARKS = { completed = "[x]", in_progress = "[>]", pending = "[ ]" }

-- A duration as people say it: 850 ms, 12 s, 3 min 5 s.
local function duration(ms)
  if ms < 1000 then
    return string.format("%d ms", ms)
  end
  local seconds = math.floor(ms / 1000 + 0.5)
  if seconds < 60 then
    return string.format("%d s", seconds)
  end
  return string.format("%d min %d s", math.floor(seconds / 60), seconds % 60)
end

-- 1234567 -> 1,234,567
local function thousands(count)
  local text = tostring(count)
  local grouped = text:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (grouped:gsub("^,", ""))
end

local function usage_text(usage)
  local cached = usage.cacheRead + usage.cacheCreation
  -- A count taken while its message streamed is a lower bound (outputPartial).
  local out = (usage.outputPartial == true and "at least " or "") .. thousands(usage.output)
  return string.format("%s in (%s cached) · %s out", thousands(usage.input + cached), thousands(usage.cacheRead), out)
end

local function push_plan(lines, prefix, todos)
  for _, todo in ipairs(todos) do
    table.insert(lines, prefix .. (PLAN_MARKS[todo.status] or "[ ]") .. " " .. one_line(todo.content))
  end
end

-- Items are numbered from 1, as `session-lsp show` and the VS Code view number them.
local function item_header(item)
  local header = string.format("#%d  %s", item.index + 1, item.kind)
  local tool = item.tool
  if tool then
    header = header .. "  " .. one_line(tool.name) .. "  [" .. tool.status .. "]"
    if tool.durationMs then
      header = header .. "  (" .. duration(tool.durationMs) .. ")"
    end
  end
  header = header .. string.format("  (line %d)", item.lines[1] + 1)
  if item.timestamp then
    header = header .. "  " .. one_line(item.timestamp)
  end
  if item.usage then
    header = header .. "  " .. one_line(item.model or "") .. " " .. usage_text(item.usage)
  end
  if #item.findings > 0 then
    header = "!! " .. header
  end
  return header
end

-- A call's input as a person reads it: `$ command` for a shell call, else its fields by name (a
-- text of several lines under its name); the text as it is when it is no JSON object (a patch,
-- an input a page cut short).
-- A call that asks the user (AskUserQuestion's `questions: [{question, options}]`): each question
-- as `asks: …` with its options under it, as `session-lsp show` heads the call, not as JSON.
-- Whether there were questions to show.
local function push_questions(lines, questions)
  if type(questions) ~= "table" or not vim.tbl_islist(questions) then
    return false
  end
  local shown = false
  for _, asked in ipairs(questions) do
    if type(asked) == "table" and type(asked.question) == "string" and asked.question ~= "" then
      push_labelled(lines, "asks: ", asked.question)
      for _, option in ipairs(type(asked.options) == "table" and asked.options or {}) do
        if type(option) == "table" and type(option.label) == "string" then
          local about = type(option.description) == "string" and option.description ~= "" and (" — " .. option.description) or ""
          table.insert(lines, one_line("      - " .. option.label .. about))
        end
      end
      shown = true
    end
  end
  return shown
end

local function push_input(lines, input)
  local ok, fields = pcall(vim.json.decode, input, { luanil = { object = true, array = true } })
  if not ok or type(fields) ~= "table" or vim.tbl_islist(fields) then
    push_labelled(lines, "input: ", input)
    return
  end
  if push_questions(lines, fields.questions) then
    fields.questions = nil
  end
  local command = fields.command or fields.cmd
  if type(command) == "table" and vim.tbl_islist(command) then
    command = table.concat(vim.tbl_map(tostring, command), " ")
  end
  if type(command) == "string" then
    push_labelled(lines, "$ ", command)
  end
  local names = vim.tbl_keys(fields)
  table.sort(names)
  for _, name in ipairs(names) do
    local value = fields[name]
    if name ~= "command" and name ~= "cmd" or type(command) ~= "string" then
      if type(value) == "string" and value:find("\n", 1, true) then
        table.insert(lines, "    " .. one_line(name) .. ":")
        push_text(lines, "        ", value)
      elseif type(value) == "string" then
        table.insert(lines, "    " .. one_line(name) .. ": " .. value)
      else
        table.insert(lines, "    " .. one_line(name) .. ": " .. vim.json.encode(value))
      end
    end
  end
end

-- Keys typed into a running command, every one visible: Enter as ⏎, other control characters in
-- caret notation (^C, ^[ for Escape, ^? for Delete), as `session-lsp show` prints them.
local function typed_keys(text)
  local shown = text:gsub("\r\n", "⏎"):gsub("[\r\n]", "⏎")
  shown = shown:gsub("[%z\1-\31\127]", function(key)
    local code = key:byte()
    return "^" .. string.char(code == 127 and 63 or code + 64)
  end)
  return shown:find(" ", 1, true) and ('"' .. shown .. '"') or shown
end

-- `item 9`, and its part of the history when it is not the part shown.
local function item_place(index, segment, shown_segment)
  local where = string.format("item %d", index + 1)
  if segment ~= shown_segment then
    where = string.format("%s of segment %d", where, segment + 1)
  end
  return where
end

-- What a Codex poll waits on or types into, and which sub-agents a call acts on.
local function push_acted_on(lines, tool, shown_segment)
  local process = tool.process
  if type(process) == "table" then
    local verb = process.typed == "" and "waits on" or ("types " .. typed_keys(process.typed) .. " into")
    local where = item_place(process.index, process.segment, shown_segment)
    table.insert(lines, one_line(string.format("    %s the command of %s: $ %s", verb, where, process.command)))
  end
  local acts_on = tool.actsOn
  if type(acts_on) == "table" then
    local agents = {}
    for _, agent in ipairs(acts_on.agents) do
      table.insert(agents, string.format("%s (spawned by %s)", agent.name, item_place(agent.index, agent.segment, shown_segment)))
    end
    table.insert(lines, one_line("    " .. acts_on.verb .. " " .. table.concat(agents, ", ")))
  end
end

-- A Codex plan's `explanation` (why the plan is what it is), above its checklist: the server
-- sends the checklist apart, the explanation only in the call's input.
local function push_explanation(lines, input)
  local ok, fields = pcall(vim.json.decode, input or "", { luanil = { object = true, array = true } })
  if ok and type(fields) == "table" and type(fields.explanation) == "string" and fields.explanation ~= "" then
    push_text(lines, "    ", fields.explanation)
  end
end

-- What a call did as a person reads it: an edit's diff, a plan's checklist, else its input.
local function push_call(lines, tool, shown_segment)
  if tool.agent then
    table.insert(lines, one_line("    sub-agent: " .. (tool.agent.title or "") .. (tool.agent.file and ("  (" .. tool.agent.file .. ")") or "")))
  end
  push_acted_on(lines, tool, shown_segment)
  if tool.diff then
    -- A rejected or failed edit's lines were never written, an unanswered one's may not be.
    if tool.applied == false then
      table.insert(lines, "    (not applied)")
    elseif tool.applied == nil then
      table.insert(lines, "    (not confirmed)")
    end
    push_text(lines, "    ", tool.diff)
  elseif tool.todos then
    push_explanation(lines, tool.input)
    push_plan(lines, "    ", tool.todos)
  elseif tool.input then
    push_input(lines, tool.input)
  end
end

-- One item's lines: its header, text, what its call did, its result, its findings.
-- `shown_segment`: the part of the history the item is in (counted from 0).
local function push_item(lines, item, shown_segment)
  table.insert(lines, item_header(item))
  if item.text then
    push_text(lines, "    ", item.text)
  end
  local tool = item.tool
  if tool then
    push_call(lines, tool, shown_segment)
  end
  if tool and tool.result then
    push_labelled(lines, "result: ", tool.result)
  end
  if item.truncated then
    table.insert(lines, "    (cut here: K shows the item whole, <CR> opens the raw line)")
  end
  for _, finding in ipairs(item.findings) do
    table.insert(lines, one_line(string.format("    %s %s: %s", finding.severity, finding.code, finding.message)))
  end
end

-- What segment `index` (from 0) of `segments` is, as `session-lsp show` says it.
local function segment_place(segments, index)
  local part = segments[index + 1] or {}
  local where = string.format("segment %d of %d", index + 1, #segments)
  if part.kind == "abandoned" then
    local off = type(part.forkLine) == "number" and string.format(" off line %d", part.forkLine + 1) or ""
    return string.format("%s: an abandoned branch%s, which a resume leaves out", where, off)
  end
  return string.format("%s: history before compaction %d", where, index + 1)
end

-- The segments before the last, counted by kind: `1 earlier part before compaction, 2 abandoned
-- branches`. An older server names no kind: its segments are all compacted history.
local function other_parts(segments)
  local compacted, branches = 0, 0
  for position = 1, #segments - 1 do
    if segments[position].kind == "abandoned" then
      branches = branches + 1
    else
      compacted = compacted + 1
    end
  end
  local parts = {}
  if compacted > 0 then
    table.insert(parts, string.format("%s before compaction", counted(compacted, "earlier part")))
  end
  if branches > 0 then
    table.insert(parts, string.format("%d abandoned branch%s", branches, branches == 1 and "" or "es"))
  end
  return table.concat(parts, ", ")
end

-- The view's lines, and for each item the range it covers (1-based, inclusive) and its raw line.
function M.render(page, items)
  local lines = { "# " .. one_line(page.title or page.sessionId or page.path) }
  table.insert(lines, one_line(string.format("%s  |  %s  |  %s, %s", page.path,
    counted(page.total, "item"), counted(page.errors, "error"), counted(page.warnings, "warning"))))
  if page.usage then
    local context = page.contextTokens and ("  |  last context " .. thousands(page.contextTokens)) or ""
    table.insert(lines, "tokens: " .. usage_text(page.usage) .. context)
  end
  local sub = page.subAgents
  if type(sub) == "table" then
    local unread = (sub.unreadable or 0) > 0 and string.format(", %d unreadable", sub.unreadable) or ""
    if (sub.uncounted or 0) > 0 then
      unread = unread .. string.format(", %d not read: too many", sub.uncounted)
    end
    local used = type(sub.usage) == "table" and usage_text(sub.usage) or "no token counts"
    table.insert(lines, string.format("sub-agents (%d file%s%s): %s", sub.files, sub.files == 1 and "" or "s", unread, used))
  end
  local earlier = type(page.segments) == "table" and #page.segments - 1 or 0
  local history = page.segment ~= nil and page.segment < earlier
  if history then
    table.insert(lines, segment_place(page.segments, page.segment))
  elseif earlier > 0 then
    table.insert(lines, other_parts(page.segments) .. " (:SessionHistory N)")
  end
  if page.startNote and not history then
    table.insert(lines, one_line(page.startNote))
  end
  if page.lastTodos then
    local done = 0
    for _, todo in ipairs(page.lastTodos.todos) do
      if todo.status == "completed" then
        done = done + 1
      end
    end
    -- Written before a compaction when nothing was planned after it: its segment says where.
    local where = string.format("item %d", page.lastTodos.index + 1)
    local segment = page.lastTodos.segment
    if segment and page.segment and segment ~= page.segment then
      where = string.format("segment %d, %s", segment + 1, where)
    end
    table.insert(lines, string.format("plan (%s): %d of %d done", where, done, #page.lastTodos.todos))
    push_plan(lines, "  ", page.lastTodos.todos)
  end
  local ranges = {}
  for _, item in ipairs(items) do
    table.insert(lines, "")
    local first = #lines + 1
    push_item(lines, item, page.segment)
    local tool = item.tool
    local raw_line = (tool and tool.callLine) or item.lines[1]
    table.insert(ranges, { first = first, last = #lines, raw_line = raw_line, item = item })
  end
  return lines, ranges
end

-- The buffer named `name` exactly, both names as Neovim keeps a file's (absolute, no `..`; a
-- view's session-lsp:// name stays as given). Not bufnr(): it takes a pattern and matches part
-- of a name, so `s.jsonl` would find `s.jsonl.bak`, and a view its history's `#part-1`.
local function buffer_named(name)
  local wanted = vim.fn.fnamemodify(name, ":p")
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local own = vim.api.nvim_buf_get_name(buf)
    if own ~= "" and vim.fn.fnamemodify(own, ":p") == wanted then
      return buf
    end
  end
  return nil
end

local function view_buffer(path, segment)
  local name = VIEW_SCHEME .. path .. (segment and string.format("#part-%d", segment + 1) or "")
  local existing = buffer_named(name)
  if existing then
    return existing
  end
  local buf = vim.api.nvim_create_buf(true, true)
  vim.api.nvim_buf_set_name(buf, name)
  vim.api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    once = true,
    callback = function()
      views[buf] = nil
    end,
  })
  return buf
end

-- The conversation view's item under the cursor.
local function item_at_cursor()
  local view = views[vim.api.nvim_get_current_buf()]
  local ranges = view and view.ranges or {}
  local row = vim.api.nvim_win_get_cursor(0)[1]
  for _, range in ipairs(ranges) do
    if row >= range.first and row <= range.last then
      return range
    end
  end
  return nil
end

-- <CR> in the view: the raw transcript at the item's line (the call's line for a tool).
function M.jump_to_raw()
  local range = item_at_cursor()
  local view = views[vim.api.nvim_get_current_buf()]
  if not range or not view then
    return
  end
  local path = view.path
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local line, last = range.raw_line + 1, vim.api.nvim_buf_line_count(0)
  -- The file got shorter since the view was drawn (a repair, an agent still writing it): its
  -- last line, and a word that the view no longer matches it.
  if line > last then
    notify(string.format("the view is out of date: item %d was on line %d, the file now has %s; :SessionShow draws it again",
      range.item.index + 1, line, counted(last, "line")), vim.log.levels.WARN)
    line = last
  end
  vim.api.nvim_win_set_cursor(0, { line, 0 })
end

-- K in the view: the item under the cursor whole (sessionLsp.item: text, input, diff and result
-- uncut, where a page cuts each at 4,000 characters), in a read-only split; `on_shown(buf)`.
function M.show_item(on_shown)
  local range = item_at_cursor()
  local view = views[vim.api.nvim_get_current_buf()]
  if not range or not view then
    return
  end
  M.execute("sessionLsp.item", { view.path, { index = range.item.index, segment = view.segment } }, function(item)
    local lines = {}
    push_item(lines, item, view.shown_segment)
    local buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.api.nvim_buf_set_option(buf, "modifiable", false)
    vim.api.nvim_buf_set_option(buf, "bufhidden", "wipe")
    vim.api.nvim_buf_set_option(buf, "filetype", "sessionlsp")
    vim.cmd("split")
    vim.api.nvim_win_set_buf(0, buf)
    vim.api.nvim_buf_set_keymap(buf, "n", "q", "<Cmd>close<CR>", { noremap = true, silent = true })
    if on_shown then
      on_shown(buf)
    end
  end)
end

-- ]p and [p in the view: the next or previous item with a finding.
function M.next_problem(step)
  local view = views[vim.api.nvim_get_current_buf()]
  local ranges = view and view.ranges or {}
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local first, last = 1, #ranges
  if step < 0 then
    first, last = #ranges, 1
  end
  for i = first, last, step do
    local range = ranges[i]
    local ahead = (step > 0 and range.first > row) or (step < 0 and range.first < row)
    if ahead and #range.item.findings > 0 then
      vim.api.nvim_win_set_cursor(0, { range.first, 0 })
      vim.cmd("normal! zv")
      return
    end
  end
  notify("no further problem")
end

local function fill_view(buf, path, page, items, segment)
  local lines, ranges = M.render(page, items)
  vim.api.nvim_buf_set_option(buf, "modifiable", true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(buf, "modifiable", false)
  vim.api.nvim_buf_set_option(buf, "modified", false)
  vim.api.nvim_buf_set_option(buf, "buftype", "nofile")
  vim.api.nvim_buf_set_option(buf, "swapfile", false)
  vim.api.nvim_buf_set_option(buf, "filetype", "sessionlsp")
  views[buf] = { path = path, ranges = ranges, segment = segment, shown_segment = page.segment }
  vim.api.nvim_buf_set_var(buf, "session_lsp_path", path)
  for _, lhs in ipairs({ "<CR>", "K", "]p", "[p", "q" }) do
    pcall(vim.api.nvim_buf_del_keymap, buf, "n", lhs)
  end
  local map = function(lhs, rhs)
    vim.api.nvim_buf_set_keymap(buf, "n", lhs, rhs, { noremap = true, silent = true })
  end
  map("<CR>", "<Cmd>lua require('session_lsp').jump_to_raw()<CR>")
  map("K", "<Cmd>lua require('session_lsp').show_item()<CR>")
  map("]p", "<Cmd>lua require('session_lsp').next_problem(1)<CR>")
  map("[p", "<Cmd>lua require('session_lsp').next_problem(-1)<CR>")
  map("q", "<Cmd>bwipeout<CR>")
  return ranges
end

-- One fold per item; prompts, replies and items with findings stay open, the rest are closed.
local function fold_items(ranges)
  vim.wo.foldmethod = "manual"
  vim.wo.foldenable = true
  vim.cmd("normal! zE")
  for _, range in ipairs(ranges) do
    if range.last > range.first then
      vim.cmd(string.format("%d,%dfold", range.first, range.last))
      if OPEN_KINDS[range.item.kind] or #range.item.findings > 0 then
        vim.cmd(string.format("%dfoldopen", range.first))
      end
    end
  end
end

-- Fills the view of `path` and folds it in every window showing it; `on_done(buf, ranges)`.
local function refresh(path, on_done, segment)
  load_conversation(path, function(page, items)
    local buf = view_buffer(path, segment)
    local ranges = fill_view(buf, path, page, items, segment)
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      vim.api.nvim_win_call(win, function()
        fold_items(ranges)
      end)
    end
    on_done(buf, ranges, page, items)
  end, segment)
end

-- Views asked for, and the latest put in front: the server may answer a long session after a
-- shorter one asked for later, and the view last asked for must be the one left in front.
local shows_asked, shows_in_front = 0, 0

-- :SessionShow [path]: the conversation as it will be resumed, in a read-only buffer, the cursor
-- on the first problem. `segment` (counted from 0): a part of the history before a compaction.
-- `on_shown(buf, page, items)` once it is in front; a view a later one overtook is only drawn.
function M.show(argument, on_shown, segment)
  local path = session_path(argument)
  if not path then
    notify("name a session file, or run this in a transcript's buffer", vim.log.levels.ERROR)
    return
  end
  shows_asked = shows_asked + 1
  local order = shows_asked
  refresh(path, function(buf, ranges, page, items)
    if order < shows_in_front then
      return
    end
    shows_in_front = order
    vim.api.nvim_set_current_buf(buf)
    fold_items(ranges)
    local first_problem = nil
    for _, range in ipairs(ranges) do
      if #range.item.findings > 0 then
        first_problem = range.first
        break
      end
    end
    vim.api.nvim_win_set_cursor(0, { first_problem or 1, 0 })
    if on_shown then
      on_shown(buf, page, items)
    end
  end, segment)
end

-- :SessionHistory [N]: part N of what a resume leaves out (counted from 1, as `session-lsp show
-- --segment N` and search count them; default 1): the history before each compaction, oldest
-- first, then the abandoned branches, of the session the current buffer shows.
function M.history(number, on_shown)
  local part = tonumber((number and number ~= "") and number or "1")
  if not part or part < 1 or part % 1 ~= 0 then
    notify("name a part of the history: 1 is the oldest", vim.log.levels.ERROR)
    return
  end
  local path = session_path(nil)
  if not path then
    notify("name a session file, or run this in a transcript's buffer", vim.log.levels.ERROR)
    return
  end
  -- Checked here, in this command's terms: the server counts segments from 0 and counts the
  -- last one, the conversation resumed, which :SessionShow already shows.
  M.execute("sessionLsp.conversation", { path, { offset = 0, limit = 0 } }, function(page)
    local earlier = type(page.segments) == "table" and #page.segments - 1 or 0
    if earlier == 0 then
      notify("no history before a compaction: the session was never compacted", vim.log.levels.ERROR)
    elseif part > earlier then
      local parts = earlier == 1 and "1" or ("1 to " .. earlier)
      notify(string.format("no part %d: the session has %s (:SessionHistory %s)",
        part, other_parts(page.segments), parts), vim.log.levels.ERROR)
    else
      M.show(path, on_shown, part - 1)
    end
  end)
end

-- After a repair: the file's buffers are read again. Explicitly, not by :checktime: a repair
-- keeps the file's modification time (Claude Code orders sessions by it), so Neovim's own check
-- may not see the change. `fix` refused while a buffer had unsaved changes, so none is lost.
local function reload_buffers_of(path)
  local raw = buffer_named(path)
  if raw and vim.api.nvim_buf_is_loaded(raw) then
    vim.api.nvim_buf_call(raw, function()
      vim.cmd("edit!")
    end)
  end
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if views[buf] and views[buf].path == path then
      refresh(path, function() end, views[buf].segment)
    end
  end
end

-- :SessionFix [strategy] [path]: repairs the file on disk (with a backup) through the server;
-- refused while the transcript's buffer has unsaved changes, which the repair would overwrite.
-- `on_fixed(result)` or `on_refused(err)` follow, for scripts.
function M.fix(strategy, argument, on_fixed, on_refused)
  local path = session_path(argument)
  if not path then
    notify("name a session file, or run this in a transcript's buffer", vim.log.levels.ERROR)
    return
  end
  local buf = buffer_named(path)
  if buf and vim.api.nvim_buf_get_option(buf, "modified") then
    notify("save or undo the changes to " .. one_line(path) .. " first", vim.log.levels.ERROR)
    return
  end
  local arguments = { path }
  if strategy and strategy ~= "" then
    arguments[2] = strategy
  end
  M.execute("sessionLsp.fixFile", arguments, function(result)
    local message = one_line(result.message)
    if result.backup then
      message = message .. " (backup: " .. one_line(result.backup) .. ")"
    end
    notify(message)
    if result.changed then
      reload_buffers_of(path)
    end
    if on_fixed then
      on_fixed(result)
    end
  end, on_refused)
end

M.strategies = { "stub", "purge", "truncate" }

-- :SessionFix's argument text (the command's `args`, not its split words, which lose a path's
-- spacing) as (strategy, path): a first word that is a strategy is taken off, and the rest,
-- spaced as typed, is the path; a first word that is none starts the path (the server's
-- fixStrategy setting then applies, stub by default). Escapes are read as the command's own
-- word splitting reads them (`\ ` a space, `\\` a backslash), so a path may hold spaces escaped
-- or not; whitespace at its end is dropped unless escaped.
function M.fix_arguments(text)
  local strategy = nil
  text = (text or ""):gsub("^%s+", "")
  local word, rest = text:match("^(%S+)(.*)$")
  if word and vim.tbl_contains(M.strategies, word) then
    strategy, text = word, rest:gsub("^%s+", "")
  end
  local path = text:match("^(.-)%s*$")
  local trailing = text:sub(#path + 1)
  if trailing ~= "" and #path:match("\\*$") % 2 == 1 then
    -- The first of the spaces at the end is escaped: it and the escape are the path's.
    path = path .. trailing:sub(1, 1)
  end
  path = path:gsub("\\([\\ \t])", "%1")
  return strategy, path ~= "" and path or nil
end

return M
