"""`make bench`: Eventdesk under gunicorn on PostgreSQL against a reference app that does the least each step needs."""
