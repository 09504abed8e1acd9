"""Infra tests: the stack deployed into moto once for this package (package-scoped fixture)."""
