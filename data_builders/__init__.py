"""Data builders: public annotation formats -> privileged training records (filled by the data-builder issue)."""
