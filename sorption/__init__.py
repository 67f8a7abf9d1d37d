"""sorption: placeholder until its issue lands."""
