"""WTForms forms; each returns plain data for a service to apply."""
