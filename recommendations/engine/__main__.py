"""`python -m recommendations.engine ...`: see cli.py."""

import sys

from recommendations.engine.cli import main

if __name__ == "__main__":
    sys.exit(main())
