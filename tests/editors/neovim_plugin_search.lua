-- :SessionSearch driven as a user would: the server searches every session, vim.ui.select (answered
-- by the script) offers the matches, and the one chosen opens the conversation at its item.
-- Environment: SESSION_LSP_PLUGIN, SESSION_LSP_COMMAND, PROJECTS_ROOT, QUERY, WANTED (the start of
-- the match to choose), LABELS_FILE and VIEW_FILE (what the picker offered, the view's lines with
-- the cursor's line first).
local checks = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_checks.lua")
local timeout, fail, check = checks.timeout, checks.fail, checks.check

local function main()
  vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
  vim.cmd("runtime! plugin/session_lsp.lua")
  check(vim.fn.exists(":SessionSearch") == 2, "no :SessionSearch command", nil)
  local plugin = require("session_lsp")
  plugin.setup({ cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")) })
  local labels, chosen = {}, nil
  vim.ui.select = function(items, options, on_choice)
    for index, item in ipairs(items) do
      local label = options.format_item(item)
      table.insert(labels, label)
      if not chosen and label:find(os.getenv("WANTED"), 1, true) == 1 then chosen = index end
    end
    check(chosen ~= nil, "no match starts with WANTED", labels)
    on_choice(items[chosen])
  end
  local shown = false
  plugin.search(os.getenv("QUERY"), os.getenv("PROJECTS_ROOT"), function() shown = true end)
  check(vim.wait(timeout, function() return shown end), "the match never opened", labels)
  vim.fn.writefile(labels, os.getenv("LABELS_FILE"))
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  table.insert(lines, 1, lines[row])
  vim.fn.writefile(lines, os.getenv("VIEW_FILE"))
end

checks.run(main)
