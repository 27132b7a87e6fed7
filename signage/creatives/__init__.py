"""Creatives: uploaded, checked and approved artwork and video. Above `campaigns` and `users`;
uses the `media` library for decoding and storage.
"""
