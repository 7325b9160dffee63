"""Store: write and read a results folder (tables, metrics, GeoJSON)."""
