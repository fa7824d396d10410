-- Headless Neovim 0.7: open a damaged session, see the diagnostic, hover, apply the stub quick fix,
-- save. Prints PASS and exits 0, or prints FAIL <reason> and exits 1.
-- Environment: as neovim_session.lua, plus TOOL_ID and TOOL_LINE (0-based line of the unanswered
-- tool call).
local session = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_session.lua")
local fail, check, timeout_ms = session.fail, session.check, session.timeout_ms
local tool_id = os.getenv("TOOL_ID")
local tool_line = tonumber(os.getenv("TOOL_LINE"))

-- Keep the diagnostics exactly as the server sent them (ranges in the negotiated encoding, `data`
-- included), next to what Neovim shows.
local published = {}
local show = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  published = result.diagnostics
  return show(err, result, ctx, config)
end

local function main()
  local buf, client_id = session.open()
  local function request(method, params) return session.request(buf, client_id, method, params) end

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

session.run(main)
