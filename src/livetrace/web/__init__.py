"""Server-rendered pages: console, consumer pages; assets shipped in the package."""
