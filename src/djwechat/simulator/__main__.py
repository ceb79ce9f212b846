"""``python -m djwechat.simulator [--host 127.0.0.1] [--port 8900]``."""

import sys

from djwechat.simulator.server import main

sys.exit(main())
