"""The performance benchmark (issue "Scale"): ``make bench`` / ``python -m bench``.

Figures are printed, never asserted. See ``bench/README.md``.
"""
