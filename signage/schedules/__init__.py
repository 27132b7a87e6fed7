"""Schedules, their reach and calendar exports, and `timing_inputs`: the one place rows become
the engine's values. Above `creatives`, `screens` and `venues`; below `player`.
"""
