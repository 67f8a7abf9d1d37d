"""saxs: placeholder until its issue lands."""
