-- The plugin's K in the conversation view: the item under the cursor whole, from the server.
-- :SessionShow SESSION_FILE, the cursor on the header of item ITEM_NUMBER (cut in the view), K;
-- the split's lines go to LINES_FILE for the test to read.
-- Environment: SESSION_LSP_PLUGIN, SESSION_LSP_COMMAND, SESSION_FILE, ITEM_NUMBER, LINES_FILE.
local timeout = 20000

local function fail(message)
  io.stdout:write("FAIL " .. message .. "\n")
  vim.cmd("cquit 1")
end

local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  vim.cmd("runtime! plugin/session_lsp.lua")
  local plugin = require("session_lsp")
  plugin.setup({ cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")) })
  local shown = false
  plugin.show(os.getenv("SESSION_FILE"), function() shown = true end)
  if not vim.wait(timeout, function() return shown end) then
    return fail("the conversation view never opened")
  end
  local header = "#" .. os.getenv("ITEM_NUMBER") .. "  "
  local row = nil
  for number, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if line:sub(1, #header) == header then
      row = number
      break
    end
  end
  if not row then
    return fail("no item " .. header)
  end
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  local whole = nil
  plugin.show_item(function(buf) whole = buf end)
  if not vim.wait(timeout, function() return whole ~= nil end) then
    return fail("K never showed the item")
  end
  if vim.api.nvim_get_current_buf() ~= whole or vim.bo.modifiable then
    return fail("the item is not in a read-only split")
  end
  vim.fn.writefile(vim.api.nvim_buf_get_lines(whole, 0, -1, false), os.getenv("LINES_FILE"))
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(err)
end
io.stdout:write("PASS\n")
vim.cmd("qall!")
