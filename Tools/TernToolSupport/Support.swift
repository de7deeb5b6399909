// Shared helpers for the tools.
