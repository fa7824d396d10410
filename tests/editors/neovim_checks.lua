-- What the headless Neovim test scripts share: how a script fails (the line the Python side reads,
-- then a non-zero exit), its checks, and running its main function to PASS. Loaded with
-- `dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/neovim_checks.lua")`.
local checks = { timeout = 20000 }

function checks.fail(message)
  io.stdout:write("FAIL " .. message .. "\n")
  vim.cmd("cquit 1")
end

function checks.check(condition, message, detail)
  if not condition then checks.fail(message .. ": " .. vim.inspect(detail)) end
end

function checks.run(main)
  local ok, err = xpcall(main, debug.traceback)
  if not ok then checks.fail(err) end
  io.stdout:write("PASS\n")
  vim.cmd("qall!")
end

return checks
