"""Run the command-line interface: ``python -m nb2pkg``."""

from .cli import main

main()
