-- The plugin's conversation view drawn from a real page of the server's answer: the page is in
-- PAGE_FILE (`session-lsp show --format json`, the sessionLsp.conversation shape, decoded as
-- Neovim's LSP client decodes it); the view's lines go to LINES_FILE for the test to read.
-- Environment: SESSION_LSP_PLUGIN (editors/nvim), PAGE_FILE, LINES_FILE.
local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  local plugin = require("session_lsp")
  local text = table.concat(vim.fn.readfile(os.getenv("PAGE_FILE")), "\n")
  local page = vim.json.decode(text, { luanil = { object = true } })
  local lines = plugin.render(page, page.items)
  -- The lines must be ones a buffer takes.
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.fn.writefile(lines, os.getenv("LINES_FILE"))
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  io.stdout:write("FAIL " .. err .. "\n")
  vim.cmd("cquit 1")
end
io.stdout:write("PASS\n")
vim.cmd("qall!")
