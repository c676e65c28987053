"""The reader's choice of interface language."""
