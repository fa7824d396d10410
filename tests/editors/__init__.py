"""Real-editor end-to-end tests: headless Neovim and batch Emacs + eglot drive the server."""
