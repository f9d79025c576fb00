"""Trace and recall: projections, backward/forward traces, recall campaigns, analytics."""
