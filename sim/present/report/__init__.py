"""Self-contained HTML reports of a run, a comparison and a sweep."""
