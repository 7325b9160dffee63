"""Measure: coverage and metrics, functions of a run's tables and plan pieces."""
