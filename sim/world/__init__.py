"""World: what is simulated - violations, false alarms, detection windows, assets."""
