"""Products (GTIN), category templates with layered attributes, and lots."""
