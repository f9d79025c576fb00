"""A realistic demo data set: Wuchang rice, chilled milk, a cosmetics batch."""
