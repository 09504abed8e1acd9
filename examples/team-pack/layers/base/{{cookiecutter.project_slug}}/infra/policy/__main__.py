"""Policy pack of {{ cookiecutter.project_name }}: archgen's rules plus Northwind's.

`rules.py` is archgen's, copied verbatim; `northwind_rules.py` comes from the
northwind-platform team pack.
"""

from northwind_rules import NORTHWIND_POLICIES
from pulumi_policy import PolicyPack
from rules import POLICIES

PolicyPack(
    name="{{ cookiecutter.project_slug }}-policy",
    policies=[*POLICIES, *NORTHWIND_POLICIES],
)
