"""Interfaces, plugin discovery and the session spec: everything plugins build against."""
