"""Every built-in module, imported so that each registers itself."""
