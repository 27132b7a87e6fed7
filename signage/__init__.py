"""signage: a playlist server for public-safety campaigns on screens in the night-time economy.

The layers, top to bottom, are written down as an import-linter contract in pyproject.toml.
"""
