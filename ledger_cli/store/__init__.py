"""Storage: the interface the application speaks to (base.py), the backend-neutral hash chain
and read-model rules, and the backends (sqlite/)."""
