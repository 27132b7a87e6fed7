"""The staff console: server-rendered pages under /console for police communications staff,
duty inspectors and venue operators (GOV.UK Frontend, English and Welsh).

It sits above the domains and calls their services, as the JSON API does: the same tenancy,
roles and validation. ``router.install_console`` adds it to the app.
"""
