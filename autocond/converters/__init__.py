"""Converters: one module per construct, each a `transform(node, ctx)`."""
