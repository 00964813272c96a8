"""HTTP routes of the chat service (thin: logic lives in plain modules)."""
