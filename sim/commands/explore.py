"""`ceasefire explore`: the interactive explorer in the browser (a local Solara app)."""

from __future__ import annotations

import argparse
import importlib.util

from sim.commands._common import add_command, add_scenario_argument
from sim.errors import UserError

#: Modules of the optional `[explore]` extra: Solara, its offline assets, Mesa's viz needs.
EXTRA_MODULES = ("solara", "solara_assets", "altair", "ipyvuetify")
INSTALL_HINT = 'the explorer needs the optional extra: pip install -e ".[explore]"'
HELP = "interactive explorer in the browser (needs the [explore] extra)"
DESCRIPTION = """\
Start a local web app: pick scenario, mediators and variants, move the levers
and watch the survival of thousands of truces per mediator respond; step one
world hour by hour; save the settings as a variant file. Works offline."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "explore", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.set_defaults(func=run)


def missing_extra() -> str | None:
    """The first module of the extra that is not installed, or None."""
    for module in EXTRA_MODULES:
        if importlib.util.find_spec(module) is None:
            return module
    return None


def solara_command(args: argparse.Namespace) -> list[str]:
    """The `solara run` command line that serves the page (offline: no version check)."""
    import sys

    return [
        sys.executable, "-m", "solara", "run", "sim.explore.page",
        "--host", args.host, "--port", str(args.port), "--production",
        "--no-check-version", "--open" if args.open else "--no-open",
        "--log-level", "warning",
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port: expected 0 to 65535, got {args.port}")
    if missing_extra() is not None:
        raise UserError(INSTALL_HINT)
    from sim.explore.backend import SCENARIO_ENV

    env = dict(os.environ)
    # The page reads its scenario from here; a file that does not validate is shown in
    # the page with its message, so it is not checked here.
    env[SCENARIO_ENV] = str(Path(args.scenario).resolve())
    # Solara warns on every page load served over plain http to 127.0.0.1 (cookie policy).
    env["PYTHONWARNINGS"] = ",".join(
        w for w in (env.get("PYTHONWARNINGS"), "ignore:Cookies with samesite") if w
    )
    print(
        f"ceasefire explore: {args.scenario} at http://{args.host}:{args.port} (Ctrl-C to stop)",
        flush=True,
    )
    command = solara_command(args)
    # The server replaces this process: stopping it (Ctrl-C, kill) leaves nothing behind.
    os.execve(command[0], command, env)
    return 0  # pragma: no cover (execve does not return)
