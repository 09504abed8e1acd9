"""Policy pack of IoT Sensor Monitoring: `pulumi preview --policy-pack policy` enforces it.

The rules are archgen's (`archgen_stacks.policy`, at the pinned version); add your own here.
"""

from archgen_stacks.policy_pack import main

main(name="iot-sensor-monitoring-security")
