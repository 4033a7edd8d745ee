"""LMI Server Python worker: runs model engines on behalf of the Java front end."""
