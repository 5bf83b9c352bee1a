"""The console's cases: filter, stage lights, list, detail, export, map points."""
