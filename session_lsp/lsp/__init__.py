"""The language server: thin adapters from LSP requests to the core, one module per feature."""
