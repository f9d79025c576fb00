"""Domain-free helpers: time, ids, canonical JSON, errors, pagination."""
