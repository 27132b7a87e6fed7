"""Venues: partners' pubs, clubs and takeaways, with opening hours. Above `organisations`."""
