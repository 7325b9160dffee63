"""Present: figures, reports and comparisons, drawn from saved folders only."""
