-- The plugin in editors/nvim, driven as a user would: :SessionList picks the broken session
-- (vim.ui.select answered by the script), :SessionShow draws it with the cursor on the unpaired
-- call, <CR> jumps to the raw line, :SessionFix stub repairs the file on disk.
-- Environment: SESSION_LSP_PLUGIN (editors/nvim), SESSION_LSP_COMMAND (the server, JSON list),
-- PROJECTS_ROOT (a projects folder holding the damaged session), SESSION_FILE, TOOL_ID, TOOL_LINE,
-- CODEX_HOME (holding one older clean rollout, ROLLOUT_FILE).
local checks = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_checks.lua")
local timeout, fail, check = checks.timeout, checks.fail, checks.check

local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  vim.cmd("runtime! plugin/session_lsp.lua")
  check(vim.fn.exists(":SessionList") == 2, "no :SessionList command", nil)
  local plugin = require("session_lsp")
  plugin.setup({ cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")) })
  local session_file = os.getenv("SESSION_FILE")
  local tool_id = os.getenv("TOOL_ID")
  local tool_line = tonumber(os.getenv("TOOL_LINE"))

  -- :SessionList: the picker gets every session, the broken one marked, and opens the chosen.
  local offered, labels = nil, {}
  vim.ui.select = function(items, options, on_choice)
    offered = items
    for _, item in ipairs(items) do table.insert(labels, options.format_item(item)) end
    on_choice(items[1])
  end
  vim.cmd("SessionList " .. vim.fn.fnameescape(os.getenv("PROJECTS_ROOT")))
  check(vim.wait(timeout, function() return offered ~= nil end), "the picker never opened", nil)
  check(#offered == 2 and offered[1].path == session_file, "the picker's sessions", offered)
  check(labels[1]:find("[BROKEN (1 error)]", 1, true) == 1, "the broken session's label", labels)
  check(not labels[1]:find("codex", 1, true), "a Claude Code session carries no agent mark", labels)
  -- The older Codex rollout comes second, marked with its agent.
  check(offered[2].path == os.getenv("ROLLOUT_FILE") and offered[2].agent == "codex", "the rollout", offered)
  check(labels[2]:find("[ok] codex · show tools", 1, true) == 1, "the rollout's label", labels)

  -- The view opens on the conversation, the cursor on the unpaired call.
  check(vim.wait(timeout, function()
    return vim.api.nvim_buf_get_name(0) == "session-lsp://" .. session_file
  end), "the conversation view never opened", vim.api.nvim_buf_get_name(0))
  local view = vim.api.nvim_get_current_buf()
  check(not vim.bo.modifiable and vim.bo.buftype == "nofile", "the view is read-only", nil)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local header = vim.api.nvim_buf_get_lines(view, row - 1, row, false)[1]
  check(header:find("Bash  [unpaired]", 1, true) and header:find("^!! "), "cursor on the unpaired call", header)
  local text = table.concat(vim.api.nvim_buf_get_lines(view, 0, -1, false), "\n")
  check(text:find("unpaired-tool-use", 1, true), "the finding is shown", nil)
  local counts = vim.api.nvim_buf_get_lines(view, 1, 2, false)[1]
  check(counts:find("|  1 error, 0 warnings", 1, true), "the header counts its one error", counts)
  check(vim.fn.foldlevel(row) == 1 and vim.fn.foldclosed(row) == -1, "the broken item's fold is open", row)

  -- <CR>: the raw transcript at the call's line.
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
  check(vim.api.nvim_buf_get_name(0) == session_file, "<CR> opened the raw file", vim.api.nvim_buf_get_name(0))
  local cursor = vim.api.nvim_win_get_cursor(0)[1]
  check(cursor == tool_line + 1, "<CR> landed on the call's line", cursor)
  check(vim.api.nvim_get_current_line():find(tool_id, 1, true), "the line holds the call", nil)

  -- :SessionFix stub from the raw file: repaired on disk, the buffer reloaded with the stub.
  local fixed = nil
  plugin.fix("stub", nil, function(result) fixed = result end)
  check(vim.wait(timeout, function() return fixed ~= nil end), ":SessionFix never answered", nil)
  check(fixed.changed and fixed.backup and fixed.remainingErrors == 0, "the repair", fixed)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  check(#lines == tool_line + 2, "the buffer shows the repaired file (one stub line more)", #lines)
  check(lines[#lines]:find('"tool_result"', 1, true) and lines[#lines]:find(tool_id, 1, true),
        "the stub answers the call", lines[#lines])

  -- A strategy the server does not know: its JSON-RPC error reaches the user, nothing breaks.
  local refused = nil
  plugin.fix("bogus", session_file, nil, function(err) refused = err end)
  check(vim.wait(timeout, function() return refused ~= nil end), "the bad strategy was not refused", nil)
  check(refused.code == -32602 and refused.message:find("bogus", 1, true), "the refusal", refused)
end

checks.run(main)
