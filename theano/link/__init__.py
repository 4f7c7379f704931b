"""Backends: turn a graph into something callable."""
