-- What both headless Neovim 0.7 scripts share: failing loudly, opening SESSION_FILE with the
-- server attached, requests that fail the run on error, and running a script body safely.
-- Environment: SESSION_FILE (the transcript), SESSION_LSP_COMMAND (the server command, JSON list).
local checks = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_checks.lua")
local M = { timeout_ms = 20000, fail = checks.fail, check = checks.check }

-- Opens the transcript, starts the server and attaches it; returns the buffer and the client id.
function M.open()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("SESSION_FILE")))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "session-lsp",
    cmd = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND")),
    root_dir = vim.fn.getcwd(),
    flags = { debounce_text_changes = 0 },
  })
  vim.lsp.buf_attach_client(buf, client_id)
  return buf, client_id
end

-- A synchronous request whose error fails the run.
function M.request(buf, client_id, method, params)
  local response = vim.lsp.buf_request_sync(buf, method, params, M.timeout_ms)
  local answer = response and response[client_id]
  M.check(answer and not answer.err, method .. " failed", answer)
  return answer.result
end

-- A Lua error would leave headless Neovim waiting at a prompt: report it and quit instead.
function M.run(main)
  local ok, err = xpcall(main, debug.traceback)
  if not ok then M.fail(err) end
  io.stdout:write("PASS\n")
  vim.cmd("qall!")
end

return M
