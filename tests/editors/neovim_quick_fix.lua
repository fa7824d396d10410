-- Headless Neovim 0.7: open a damaged session, see the diagnostic, hover, apply the stub quick fix,
-- save. Prints PASS and exits 0, or prints FAIL <reason> and exits 1.
-- Environment: SESSION_FILE (the transcript), SESSION_LSP_COMMAND (JSON list), TOOL_ID, TOOL_LINE
-- (0-based line of the unanswered tool call).
local file = os.getenv("SESSION_FILE")
local command = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND"))
local tool_id = os.getenv("TOOL_ID")
local tool_line = tonumber(os.getenv("TOOL_LINE"))
local timeout_ms = 20000

local function fail(message)
  io.stdout:write("FAIL " .. message .. "\n")
  vim.cmd("cquit 1")
end

local function check(condition, message, detail)
  if not condition then fail(message .. ": " .. vim.inspect(detail)) end
end

-- Keep the diagnostics exactly as the server sent them (ranges in the negotiated encoding, `data`
-- included), next to what Neovim shows.
local published = {}
local show = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  published = result.diagnostics
  return show(err, result, ctx, config)
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "session-lsp",
    cmd = command,
    root_dir = vim.fn.getcwd(),
    flags = { debounce_text_changes = 0 },
  })
  vim.lsp.buf_attach_client(buf, client_id)

  local function request(method, params)
    local response = vim.lsp.buf_request_sync(buf, method, params, timeout_ms)
    local answer = response and response[client_id]
    check(answer and not answer.err, method .. " failed", answer)
    return answer.result
  end

  -- 1. The diagnostic, on the right line, covering the tool id.
  if not vim.wait(timeout_ms, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    fail("no diagnostics")
  end
  local shown = vim.diagnostic.get(buf)
  check(#shown == 1 and #published == 1, "expected one diagnostic", published)
  local d, lsp = shown[1], published[1]
  check(d.lnum == tool_line and lsp.range.start.line == tool_line, "wrong line", lsp)
  check(d.code == "unpaired-tool-use" and d.source == "session-lsp", "wrong code", lsp)
  check(d.severity == vim.diagnostic.severity.ERROR, "not an error", lsp)
  check(lsp.data and lsp.data.toolUseId == tool_id, "data lacks the tool id", lsp)
  local text = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, true)[1]
  local covered = text:sub(d.col + 1, d.end_col)
  check(covered == tool_id, "the range does not cover the tool id", covered)

  -- 2. Hover at the diagnostic's start.
  local hover = request("textDocument/hover", {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    position = lsp.range.start,
  })
  local contents = hover and hover.contents or {}
  local hover_text = contents.value or vim.inspect(contents)
  check(hover_text:find("Bash", 1, true), "hover lacks the tool name", hover_text)
  check(hover_text:find(tool_id, 1, true), "hover lacks the tool id", hover_text)
  io.stdout:write("HOVER " .. hover_text:gsub("\n", " | ") .. "\n")

  -- 3. The preferred quick fix: insert a stub tool_result, resolved lazily if it comes without edit.
  local actions = request("textDocument/codeAction", {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    range = lsp.range,
    context = { diagnostics = { lsp } },
  }) or {}
  local action
  for _, candidate in ipairs(actions) do
    if vim.startswith(candidate.title, "Insert a stub tool_result") then action = candidate end
  end
  check(action, "no stub quick fix", actions)
  check(action.isPreferred, "the stub quick fix is not preferred", action)
  io.stdout:write("ACTION " .. action.title .. "\n")
  if not action.edit then
    action = request("codeAction/resolve", action)
    check(action and action.edit, "codeAction/resolve gave no edit", action)
    io.stdout:write("RESOLVED\n")
  end
  vim.lsp.util.apply_workspace_edit(action.edit, vim.lsp.get_client_by_id(client_id).offset_encoding)

  -- 4. The server gets the change (incremental didChange) and clears the diagnostic; then save.
  if not vim.wait(timeout_ms, function() return #vim.diagnostic.get(buf) == 0 end, 50) then
    fail("diagnostic not cleared: " .. vim.inspect(published))
  end
  vim.cmd("write")
end

-- A Lua error would leave headless Neovim waiting at a prompt: report it and quit instead.
local ok, err = xpcall(main, debug.traceback)
if not ok then fail(err) end
io.stdout:write("PASS\n")
vim.cmd("qall!")
