"""Static analyses run once per function; results are stored as `pyct.anno` annotations."""
