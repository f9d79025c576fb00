"""Storage: declarative base, column types, engine factory and the unit of work."""
