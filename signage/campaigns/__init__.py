"""Campaigns: a force's or the national unit's named groups of creatives. Builds on `core`
only; deleting a campaign is served by `creatives`, which knows whether any are left.
"""
