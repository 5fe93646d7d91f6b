"""Jinja2 templates of the reports (a package only so that a non-editable install ships them)."""
