"""Services: plain functions over plain data and the session. Writes flush; callers commit."""
