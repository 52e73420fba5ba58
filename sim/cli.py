"""The `ceasefire` command line.

Every sub-command lives in its own module under `sim.commands` and is found
automatically: a module there that defines `register(subparsers)` adds itself.
`register` must create its parser and call `parser.set_defaults(func=run)`
where `run(args) -> int` does the work. Modules import heavy libraries inside
`run`, so that `ceasefire --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from sim import __version__, commands
from sim.errors import UserError
from sim.results.writer import OutputError, as_output_error

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ceasefire",
        description="Agent-based ceasefire simulator (the 2021 Daraa truce and its mediators).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"sim.commands.{module_info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv  # the command as given, recorded in manifests (see command_line)
    try:
        _canonical_mediator_names(args)
        return int(args.func(args) or 0)
    except UserError as error:
        print(f"ceasefire {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OutputError as error:  # a file or folder could not be read or written
        print(f"ceasefire {args.command}: error: {error}", file=sys.stderr)
        return error.status
    except RecursionError:  # a structure nested deeper than any reader allows
        print(f"ceasefire {args.command}: error: input nested too deeply", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as error:
        if isinstance(error, BrokenPipeError):  # output piped into `head`: not an error
            sys.stderr.close()
            return 0
        failure = as_output_error(error, error.filename or "?", "read or write")
        print(f"ceasefire {args.command}: error: {failure}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        print(f"ceasefire {args.command}: interrupted; finished work is kept.", file=sys.stderr)
        return 130
    finally:
        # Free Arrow-backed tables and readers now, while pyarrow's thread pools are alive:
        # freed during the interpreter's final teardown instead, a pool thread can outlive
        # them and abort the process at exit ("terminate called without an active
        # exception", status -6; apache/arrow#34314).
        import gc

        gc.collect()


def _canonical_mediator_names(args: argparse.Namespace) -> None:
    """`--mediator Russia` as `russia`, so labels and tables use the file's own name."""
    scenario = getattr(args, "scenario", None)
    if not scenario:
        return
    from sim.resources import canonical_mediators

    if getattr(args, "mediators", None):
        args.mediators = canonical_mediators(args.mediators, scenario)
    if args.command == "run" and getattr(args, "mediator", None):
        args.mediator = canonical_mediators([args.mediator], scenario)[0]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
