"""Use cases: each function checks the rule, changes state, audits, queues alerts, flushes.

The caller (a view or a CLI command) commits once.
"""
