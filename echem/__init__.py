"""echem: placeholder until its issue lands."""
