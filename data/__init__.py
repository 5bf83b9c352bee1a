"""Data layer: storage, import, demo county, metrics. Plain Python and SQL, no Dash."""
