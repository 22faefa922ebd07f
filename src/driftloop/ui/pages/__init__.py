"""The UI's pages: one module per section, each with ``PAGES`` (and ``NAV``); see registry."""
