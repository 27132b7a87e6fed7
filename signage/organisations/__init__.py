"""Organisations (national, forces, partners): the lowest domain; builds on `core` only."""
