"""Core: errors, units, geometry, tables, distributions, signals.

The bottom layer: it imports nothing else of sim.
"""
