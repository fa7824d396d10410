-- Headless Neovim 0.7: type on line 2 of a transcript whose line 1 holds a raw U+2028, then ask the
-- server for its copy of the text (sessionLsp.documentText) and compare it with the buffer.
-- A server that split lines at U+2028 would apply the incremental change to the wrong line.
-- Prints PASS and exits 0, or prints FAIL <reason> and exits 1; writes the server's copy to
-- SERVER_TEXT_FILE so the test can look at it too.
-- Environment: as neovim_session.lua, plus TYPED (text to type) and SERVER_TEXT_FILE.
local session = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_session.lua")
local fail, timeout_ms = session.fail, session.timeout_ms
local typed = os.getenv("TYPED")

local function main()
  local buf, client_id = session.open()
  local function started()
    local client = vim.lsp.get_client_by_id(client_id)
    return client and client.initialized
  end
  if not vim.wait(timeout_ms, started, 50) then fail("the server did not start") end

  local function server_text()
    return session.request(buf, client_id, "workspace/executeCommand", {
      command = "sessionLsp.documentText",
      arguments = { vim.uri_from_bufnr(buf) },
    })
  end

  local function buffer_text()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, true), "\n") .. "\n"
  end

  -- The server has the file as opened before anything is typed.
  if server_text() ~= buffer_text() then fail("server copy differs before the edit") end

  -- Type into the reply's text on line 2 (0-based row 1), as insert mode would: an in-line change.
  local line = vim.api.nvim_buf_get_lines(buf, 1, 2, true)[1]
  local _, text_start = line:find('"text":"', 1, true)
  if not text_start then fail("line 2 has no text block: " .. line) end
  vim.api.nvim_buf_set_text(buf, 1, text_start, 1, text_start, { typed })

  -- Neovim flushes didChange before the request; still retry briefly in case it lags.
  local copy, same
  for _ = 1, 20 do
    copy = server_text()
    same = copy == buffer_text()
    if same then break end
    vim.wait(100)
  end
  local out = io.open(os.getenv("SERVER_TEXT_FILE"), "wb")
  out:write(copy or "")
  out:close()
  if not same then fail("server copy differs from the buffer after the edit") end
end

session.run(main)
