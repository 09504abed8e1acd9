"""`archgen packs list` and `archgen packs show NAME`: which team packs archgen can see."""

from __future__ import annotations

import click
import yaml

from archgen.cli_base import ArchgenCommandGroup
from archgen.errors import ArchgenError
from archgen.pack_manifest import Pack
from archgen.pack_sources import discover_packs, load_pack, resolve_pack_ref
from archgen.packs import pack_summary


@click.group(
    "packs",
    cls=ArchgenCommandGroup,
    epilog="""\b
Examples:
  archgen packs list
  archgen packs show examples/team-pack
  archgen new --pack examples/team-pack -o out
""",
)
def packs() -> None:
    """Team packs: company defaults, template overrides and extra questions."""


@packs.command("list", epilog="\b\nExample:\n  archgen packs list")
def list_packs() -> None:
    """Show the discoverable packs (user packs_path and installed ones) and the active one."""
    found = discover_packs()
    active = resolve_pack_ref(None)
    active_pack = _active_pack(active[0]) if active else None
    if active_pack is not None and all(p.source != active_pack.source for p in found):
        found.append(active_pack)
    if not found:
        click.echo("no team packs found (add folders to packs_path in the user config)")
    for pack in found:
        m = pack.manifest
        click.echo(f"{m.name}\t{m.version}\t{pack.source}")
    if active is not None:
        click.echo(f"active: {active[0]} (from {active[1]})")


def _active_pack(ref: str) -> Pack | None:
    """The active pack, loaded, or None when its reference does not load."""
    try:
        return load_pack(ref)
    except ArchgenError:
        return None


@packs.command("show", epilog="\b\nExample:\n  archgen packs show northwind-platform")
@click.argument("name")
def show_pack(name: str) -> None:
    """Print the manifest of a pack given by name, folder or git+file:// URL."""
    try:
        pack = load_pack(name)
    except ArchgenError:
        active = resolve_pack_ref(None)
        active_pack = _active_pack(active[0]) if active else None
        if active_pack is None or active_pack.manifest.name != name:
            raise
        pack = active_pack
    click.echo(yaml.safe_dump(pack_summary(pack), sort_keys=False), nl=False)
