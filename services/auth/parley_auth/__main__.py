"""``python -m parley_auth``: the ``parley-auth`` command."""

import sys

from parley_auth.cli import main

sys.exit(main())
