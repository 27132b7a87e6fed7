"""Incident takeovers: an urgent message on every screen in an area, time-boxed, approved
by two people."""
