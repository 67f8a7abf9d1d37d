"""xrd: placeholder until its issue lands."""
