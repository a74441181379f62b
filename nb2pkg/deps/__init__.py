"""Dependency detection: find imports, say which distribution each needs, collect them over
the exported code, and add them to the user's pyproject.toml.
"""
