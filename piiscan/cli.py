"""The command line: the ``piiscan`` group, which registers the commands of
:mod:`piiscan.commands` and turns library errors into one ``Error:`` line.

Exit codes (:mod:`piiscan.commands.verdict`): 0 the command ran; 1 findings at or above
``--fail-on``; 2 usage, config or connection error (a source that could not be opened at
all). Errors print one ``Error:`` line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from piiscan.commands.anonymize_cmds import anonymize, deanonymize
from piiscan.commands.demo_cmds import demo
from piiscan.commands.doctor_cmds import doctor
from piiscan.commands.gate_cmds import baseline, diff
from piiscan.commands.messages import add_verbosity_options
from piiscan.commands.pack_cmds import packs
from piiscan.commands.plugin_cmds import plugins
from piiscan.commands.policy_cmds import policy
from piiscan.commands.reports_cmds import matrix, ropa
from piiscan.commands.scan_cmds import report, scan
from piiscan.commands.spark_cmds import spark_scan
from piiscan.commands.verdict import EXIT_USAGE
from piiscan.errors import PiiscanError
from piiscan.terminal import printable_lines
from piiscan.version import __version__


class _Cli(click.Group):
    """Turns library errors into one ``Error:`` line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PiiscanError as exc:
            click.echo(f"Error: {printable_lines(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="piiscan")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "-q", "--quiet", is_flag=True, help="Only errors (and the --fail-on verdict) on stderr."
)
def cli(verbose: int, quiet: bool) -> None:
    """piiscan: find and classify personal data in databases and files."""
    from piiscan.commands.messages import configure
    from piiscan.log_scrub import install

    configure(verbose, quiet)  # -q/-v after the subcommand apply again when parsed

    install()  # no secret in any log line, third-party libraries' included


for _command in (
    scan,
    report,
    plugins,
    demo,
    anonymize,
    deanonymize,
    matrix,
    ropa,
    policy,
    diff,
    baseline,
    packs,
    spark_scan,
    doctor,
):
    cli.add_command(_command)
add_verbosity_options(cli)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="piiscan")


if __name__ == "__main__":
    main()
