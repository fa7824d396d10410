-- The plugin's :SessionHistory in the buffer of a compacted transcript: the oldest part of its
-- history in a view of its own; K there reads an item of that part. The view's lines, then K's,
-- go to LINES_FILE and ITEM_FILE.
-- Environment: SESSION_LSP_PLUGIN, SESSION_LSP_COMMAND, SESSION_FILE, LINES_FILE, ITEM_FILE.
local timeout = 20000

local function fail(message)
  io.stdout:write("FAIL " .. message .. "\n")
  vim.cmd("cquit 1")
end

local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  vim.cmd("runtime! plugin/session_lsp.lua")
  if vim.fn.exists(":SessionHistory") ~= 2 then
    return fail("no :SessionHistory command")
  end
  local plugin = require("session_lsp")
  plugin.setup({ cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")) })
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("SESSION_FILE")))
  local shown = nil
  plugin.history("1", function(buf) shown = buf end)
  if not vim.wait(timeout, function() return shown ~= nil end) then
    return fail("the history view never opened")
  end
  local lines = vim.api.nvim_buf_get_lines(shown, 0, -1, false)
  vim.fn.writefile(lines, os.getenv("LINES_FILE"))
  for number, line in ipairs(lines) do
    if line:sub(1, 4) == "#3  " then
      vim.api.nvim_win_set_cursor(0, { number, 0 })
    end
  end
  local whole = nil
  plugin.show_item(function(buf) whole = buf end)
  if not vim.wait(timeout, function() return whole ~= nil end) then
    return fail("K never showed the item")
  end
  vim.fn.writefile(vim.api.nvim_buf_get_lines(whole, 0, -1, false), os.getenv("ITEM_FILE"))
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(err)
end
io.stdout:write("PASS\n")
vim.cmd("qall!")
