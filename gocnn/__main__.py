import sys

from gocnn.cli import main

sys.exit(main())
