"""The commands: one module per CLI command, each a thin layer over the library.

None imports another; the CLI imports each when its command runs.
"""
