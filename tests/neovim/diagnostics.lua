-- Run by tests/lsp.rs in headless Neovim (0.7 API: vim.lsp.start_client). Opens a rule file
-- with `promaudit lsp` attached, records the diagnostics Neovim received, makes an edit that
-- fixes one of them, records again, and writes both to a JSON file.
local bin, root, file, out = os.getenv('PROMAUDIT_BIN'), os.getenv('PROMAUDIT_ROOT'), os.getenv('PROMAUDIT_FILE'), os.getenv('PROMAUDIT_OUT')

local client_id = vim.lsp.start_client({
  name = 'promaudit',
  cmd = { bin, 'lsp' },
  root_dir = root,
  init_options = { catalog = { 'catalog.prom' } },
})
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(bufnr, client_id)

local function snapshot()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, code = d.code, severity = d.severity, message = d.message, source = d.source })
  end
  table.sort(found, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
  return found
end

local function has_code(code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then return true end
  end
  return false
end

local result = {}
result.opened = vim.wait(30000, function() return has_code('functions/quantile-without-le') end, 20)
result.before = snapshot()

-- Type `, le` after `by (job`, as a user would: Neovim sends an incremental change.
local line = vim.api.nvim_buf_get_lines(bufnr, 5, 6, true)[1]
local at = line:find('by %(job%)') + #'by (job' - 1
vim.api.nvim_buf_set_text(bufnr, 5, at, 5, at, { ', le' })
result.fixed = vim.wait(30000, function() return not has_code('functions/quantile-without-le') end, 20)
result.after = snapshot()

local handle = io.open(out, 'w')
handle:write(vim.fn.json_encode(result))
handle:close()
vim.lsp.stop_client(client_id)
vim.cmd('qall!')
