"""`python -m kizuna_sdk.runner`: the `kizuna-runner` command."""

import sys

from .cli import main

sys.exit(main())
