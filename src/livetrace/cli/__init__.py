"""The `livetrace` command line."""
