"""sitrep: conflict reporting turned into a situation picture, with evidence for every record."""

__version__ = "0.1.0"
