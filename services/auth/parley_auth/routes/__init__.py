"""HTTP routes (thin handlers; the logic lives in the plain modules)."""
