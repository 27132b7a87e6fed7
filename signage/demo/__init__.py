"""The demo seeder (`signage demo`): an entry point beside `cli`, writing through the
domains' services.
"""
