"""Policy pack of {{ cookiecutter.project_name }}: `pulumi preview --policy-pack policy` enforces it.

The rules in `rules.py` are archgen's, copied verbatim; add your own next to them.
"""

from pulumi_policy import PolicyPack
from rules import POLICIES

PolicyPack(name="{{ cookiecutter.project_slug }}-policy", policies=POLICIES)
