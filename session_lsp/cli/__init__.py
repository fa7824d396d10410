"""The command line: `session-lsp check`, `fix`, `restore` and `serve`."""
