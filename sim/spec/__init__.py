"""Spec: scenario YAML -> validated, unit-normalised Scenario; every check in one pass."""
