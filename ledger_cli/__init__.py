"""ledger: an event-sourced checkbook register for the command line."""

__version__ = "0.1.0"
