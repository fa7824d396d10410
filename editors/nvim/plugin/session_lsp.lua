-- :SessionList, :SessionSearch, :SessionShow, :SessionHistory and :SessionFix; the work is in lua/session_lsp/init.lua, loaded on
-- first use.
if vim.g.loaded_session_lsp then
  return
end
vim.g.loaded_session_lsp = true

vim.api.nvim_create_user_command("SessionList", function(command)
  require("session_lsp").list(command.args)
end, { nargs = "?", complete = "dir", desc = "Pick a Claude Code or Codex session" })

vim.api.nvim_create_user_command("SessionSearch", function(command)
  require("session_lsp").search(command.args)
end, { nargs = 1, desc = "Find text in every session and open the match chosen" })

vim.api.nvim_create_user_command("SessionShow", function(command)
  require("session_lsp").show(command.args)
end, { nargs = "?", complete = "file", desc = "Read a session as a conversation" })

vim.api.nvim_create_user_command("SessionHistory", function(command)
  require("session_lsp").history(command.args)
end, { nargs = "?", desc = "Read the history before a compaction (1: the oldest part)" })

vim.api.nvim_create_user_command("SessionFix", function(command)
  local session_lsp = require("session_lsp")
  -- The raw text, not fargs: split into words, a path would lose its spacing.
  local strategy, path = session_lsp.fix_arguments(command.args)
  session_lsp.fix(strategy, path)
end, {
  nargs = "*",
  complete = function(lead, line)
    local files = vim.fn.getcompletion(lead, "file")
    if #vim.split(line, "%s+") > 2 then
      return files
    end
    -- The first word: a strategy, or the path when the strategy is left to its default.
    local strategies = vim.tbl_filter(function(name)
      return name:sub(1, #lead) == lead
    end, require("session_lsp").strategies)
    return vim.list_extend(strategies, files)
  end,
  desc = "Repair a session on disk (stub, purge or truncate), keeping a backup",
})
