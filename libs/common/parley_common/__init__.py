"""Code every Parley service shares; services import it, never each other."""
