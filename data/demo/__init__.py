"""The demo county: a deterministic synthetic deployment (county.build_demo) and its live feed."""
