"""The ``driftloop`` command line: one click group per area, thin over the public API."""
