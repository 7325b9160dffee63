"""World: what is simulated - motion, violations, false alarms, detection windows, assets."""
