"""Pulumi entry point of Fraud Scoring API: the composition root of its stack.

The components are archgen's component library, `archgen-stacks`, at the version
pinned in `requirements.txt`; the stack config (`Pulumi.<stack>.yaml`) holds every
size, schedule and threshold. A component of your own replaces archgen's here.
"""

from archgen_stacks.program import main

main()
