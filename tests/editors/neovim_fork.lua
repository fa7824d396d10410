-- Headless Neovim 0.7: open a damaged session and pick "Fork the session" from Neovim's own
-- code-action menu (`vim.lsp.buf.code_action`), the way a user does. Neovim 0.7 sends every action
-- without an edit to codeAction/resolve first, the bare Fork command too. Prints PASS once the
-- fork is written beside the session, or FAIL <reason> (an error Neovim reports is one).
-- Environment: as neovim_session.lua, plus TOOL_LINE (0-based line of the unanswered tool call).
local session = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_session.lua")
local fail, check, timeout_ms = session.fail, session.check, session.timeout_ms
local tool_line = tonumber(os.getenv("TOOL_LINE"))

local errors = {}
local notify = vim.notify
vim.notify = function(message, level, opts)
  if level == vim.log.levels.ERROR then table.insert(errors, message) end
  return notify(message, level, opts)
end

local offered = {}
vim.ui.select = function(items, opts, on_choice)
  for index, item in ipairs(items) do
    local action = item[2]
    table.insert(offered, action.title)
    if vim.startswith(action.title, "Fork the session") then return on_choice(item, index) end
  end
  on_choice(nil, nil)
end

local function main()
  local buf = session.open()
  local folder = vim.fn.fnamemodify(os.getenv("SESSION_FILE"), ":h")
  if not vim.wait(timeout_ms, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    fail("no diagnostics")
  end
  vim.api.nvim_win_set_cursor(0, { tool_line + 1, 0 })
  vim.lsp.buf.code_action()
  local function forked() return #vim.fn.glob(folder .. "/*.jsonl", false, true) == 2 end
  local done = vim.wait(timeout_ms, function() return forked() or #errors > 0 end, 50)
  check(#errors == 0, "Neovim reported an error", errors)
  check(done, "no fork written; actions offered", offered)
end

session.run(main)
