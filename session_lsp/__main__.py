"""`python -m session_lsp` runs the same CLI as the `session-lsp` script."""

from session_lsp.cli.main import main

raise SystemExit(main())
