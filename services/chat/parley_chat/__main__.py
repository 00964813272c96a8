"""``python -m parley_chat``: the ``parley-chat`` command."""

import sys

from parley_chat.cli import main

sys.exit(main())
