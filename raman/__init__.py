"""raman: placeholder until its issue lands."""
