"""A small nbdev 3 project used as test data for nb2pkg.

Modules:

- `nbdev3_lib.core`: Points and shapes for nbdev3_lib. nbdev 3 keeps every summary line."""

__version__ = "0.0.1"
