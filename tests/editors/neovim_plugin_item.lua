-- The plugin's K in a conversation view: the item under the cursor whole, from the server.
-- The view is :SessionShow SESSION_FILE, or with HISTORY_SEGMENT set, :SessionHistory of that
-- segment in the buffer of SESSION_FILE; its lines go to VIEW_FILE (when set). The cursor goes on
-- the header of item ITEM_NUMBER (cut in the view), then K; the split's lines go to ITEM_FILE.
-- Environment: SESSION_LSP_PLUGIN, SESSION_LSP_COMMAND, SESSION_FILE, ITEM_NUMBER, ITEM_FILE,
-- and optionally HISTORY_SEGMENT, VIEW_FILE.
local checks = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_checks.lua")
local timeout, fail = checks.timeout, checks.fail

local function opened_view(plugin)
  local segment = os.getenv("HISTORY_SEGMENT")
  local view = nil
  if segment then
    if vim.fn.exists(":SessionHistory") ~= 2 then
      return nil, "no :SessionHistory command"
    end
    vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("SESSION_FILE")))
    plugin.history(segment, function(buf) view = buf end)
  else
    plugin.show(os.getenv("SESSION_FILE"), function(buf) view = buf end)
  end
  if not vim.wait(timeout, function() return view ~= nil end) then
    return nil, "the view never opened"
  end
  return view, nil
end

local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  vim.cmd("runtime! plugin/session_lsp.lua")
  local plugin = require("session_lsp")
  plugin.setup({ cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")) })
  local view, problem = opened_view(plugin)
  if not view then
    return fail(problem)
  end
  local lines = vim.api.nvim_buf_get_lines(view, 0, -1, false)
  if os.getenv("VIEW_FILE") then
    vim.fn.writefile(lines, os.getenv("VIEW_FILE"))
  end
  local header = "#" .. os.getenv("ITEM_NUMBER") .. "  "
  local row = nil
  for number, line in ipairs(lines) do
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
  vim.fn.writefile(vim.api.nvim_buf_get_lines(whole, 0, -1, false), os.getenv("ITEM_FILE"))
end

checks.run(main)
