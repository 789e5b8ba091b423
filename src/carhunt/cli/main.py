"""Entry point of the ``carhunt`` command, its exit codes and error handling.

Exit codes (the one place they are defined):

====  =====================================================================
0     the run completed and every input was read (hits or not)
1     a failure: an analytic query failed, the store or an engine failed, or
      ``--on-error fail`` stopped at a bad record (the message names file and offset)
2     a usage error: bad option, parameter or configuration value
3     partial: the run completed, but some inputs could not be read at all, or
      records were skipped (damaged, cut off, not parseable)
4     completed with warnings: every record was accounted for, but an input showed
      damage or needed a repair (such as an EVTX header that over-claims records)
130   interrupted (Ctrl-C)
====  =====================================================================
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from carhunt.errors import CarhuntError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_WARNINGS = 4
EXIT_INTERRUPTED = 130


def configure_logging(verbosity: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbosity > 1 else
                                         logging.INFO if verbosity == 1 else logging.WARNING)
    logging.basicConfig(level=level, format="carhunt: %(levelname)s: %(message)s",
                        stream=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carhunt")
@click.option("-v", "--verbose", count=True, help="More log output on standard error (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on standard error; no progress bar.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Run MITRE CAR analytics over Windows Sysmon logs."""
    configure_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


def _register() -> None:
    from carhunt.cli import analytics, coverage, hunt, ingest

    cli.add_command(hunt.hunt)
    cli.add_command(ingest.ingest)
    cli.add_command(coverage.coverage)
    cli.add_command(analytics.analytics)


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None,
                          prog_name="carhunt", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("carhunt: interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("carhunt: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); that is not an error.
        sys.stderr.close()
        return EXIT_OK
    except CarhuntError as error:
        click.echo(f"carhunt: error: {error}", err=True)
        return error.exit_code
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
