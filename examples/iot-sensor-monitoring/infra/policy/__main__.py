"""Policy pack of IoT Sensor Monitoring: `pulumi preview --policy-pack policy` enforces it.

The rules are archgen's (`components/policy.py`, shipped verbatim); add your own there or here.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.policy_pack import main  # noqa: E402

main(name="iot-sensor-monitoring-security")
