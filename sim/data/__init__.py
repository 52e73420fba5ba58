"""Data shipped with the package (the empirical reference table of real ceasefires)."""
