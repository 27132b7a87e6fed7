"""Screens in venues, their device tokens, outages and the buffer of what they report. Above
`venues`; the venue-deletion route lives here because screens are what keep a venue.
"""
