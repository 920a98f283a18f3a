"""Python helpers behind tasks.py: building, checking and publishing the site."""
