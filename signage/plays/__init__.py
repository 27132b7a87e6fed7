"""Proof of play: ingesting screens' play records, reports, the Outsmart export, rollups. The top
domain: it reads the player's device authentication and every domain below.
"""
