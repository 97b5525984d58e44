"""Benchmarks of the Breach Audit Workbench at population scale (``make bench``); see README.md."""
