"""Figures of a run (by subject, registered in ``run.PLOTS``), a comparison and a sweep."""
