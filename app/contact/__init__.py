"""Contact requests: the public contact form and the coordinators' inbox."""
