"""Definitions by domain; every domain folder uses the same file names."""
