"""The ``rai-audit`` command line (Typer).

Exit codes: 0 success, 1 a policy gate failed, 2 bad input (the message says what to fix),
3 an unexpected internal error (a short message; ``rai-audit --debug ...`` shows the traceback),
4 an audit failed (its section says why; the other sections, the result and the report were
written). 130 and 143: interrupted by SIGINT or SIGTERM (nothing written, the output folder
unchanged).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from audit._safe_text import for_terminal
from audit.errors import OutputPathError, OverwritesInputError, RaiAuditError

EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_AUDIT_FAILED = 4  # an audit failed, the others were written
EXIT_INTERRUPTED = 130
#: Set to 1 to show tracebacks, like ``--debug``.
DEBUG_ENV = "RAI_AUDIT_DEBUG"


def _say_error(exc: BaseException) -> None:
    typer.secho(f"error ({type(exc).__name__}): {for_terminal(str(exc))}", err=True,
                fg=typer.colors.RED)


def _fail(exc: RaiAuditError) -> None:
    _say_error(exc)
    raise typer.Exit(EXIT_BAD_INPUT)


class _GuardedGroup(TyperGroup):
    """Every command runs inside one catch-all: a typed error exits 2 with its message, anything
    unexpected exits 3 with a one-line summary and a pointer to ``--debug``, Ctrl-C exits 130."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException, SystemExit):  # typer's own: usage errors, --help
            raise
        except RaiAuditError as exc:
            if _debugging(ctx):
                traceback.print_exc()
            _say_error(exc)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            typer.secho("interrupted: nothing was written (the output folder is as it was)",
                        err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:  # the catch-all: never a raw traceback without --debug
            if _debugging(ctx):
                traceback.print_exc()
            summary = for_terminal(str(exc).strip().splitlines()[0][:300]) if str(exc).strip() else ""
            typer.secho(
                f"error: unexpected internal error ({type(exc).__name__}{': ' if summary else ''}"
                f"{summary}). This is a bug in rai-audit or an input it does not check yet; "
                "nothing was written over earlier results. "
                + ("" if _debugging(ctx) else "Run again with `rai-audit --debug "
                   f"{ctx.invoked_subcommand or 'COMMAND'} ...` to see the traceback."),
                err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_INTERNAL_ERROR) from None


def _debugging(ctx: typer.Context) -> bool:
    return bool((ctx.obj or {}).get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


app = typer.Typer(
    name="rai-audit",
    help="Privacy, fairness and explainability audits for PyTorch models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_GuardedGroup,
)


@app.callback()
def _main(ctx: typer.Context,
          debug: bool = typer.Option(False, "--debug", help="Show the traceback of an unexpected "
                                     f"error (also ${DEBUG_ENV}=1)")) -> None:
    """Privacy, fairness and explainability audits for PyTorch models.

    Exit codes: 0 ok, 1 a policy gate failed, 2 bad input, 3 internal error, 4 an audit failed
    (the others written).
    """
    ctx.obj = {"debug": debug}


def _check_output_file(out: Path, inputs: list[Path]) -> None:
    """Refuse an output that is a folder, or that is one of the command's own inputs."""
    if out.is_dir():
        raise OutputPathError(str(out), "a file path to write", "an existing folder",
                              f"name a file, e.g. --out {out / 'report.html'}")
    for source in inputs:
        same = out.resolve() == source.resolve() or (
            out.exists() and source.exists() and os.path.samefile(out, source))
        if same:
            raise OverwritesInputError(str(out), "an output path other than the input",
                                       f"the input file itself ({source})",
                                       "choose another --out; the input is left as it was")


def _check_run_inputs(out_dir: Path, inputs: list[Path]) -> None:
    """Refuse ``run --out DIR`` when the swap would replace one of the run's own input files."""
    from audit._staging import KNOWN_ENTRIES

    root = Path(os.path.abspath(out_dir))
    for source in inputs:
        try:
            relative = Path(os.path.abspath(source)).relative_to(root)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] in KNOWN_ENTRIES:
            raise OverwritesInputError(
                str(source), "inputs outside the files a run writes into --out",
                f"an input at {relative} inside the output folder {out_dir}",
                "move the input elsewhere, or choose another --out")


@app.command()
def run(
    config: Path = typer.Argument(..., help="Audit config (YAML), e.g. sample_models/census_income/audit.yaml"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder (default: output_dir in the config)"),
    seed: int | None = typer.Option(None, help="Override the config's seed"),
    policy: Path | None = typer.Option(None, "--policy", "-p",
                                       help="Policy YAML whose gates are added to the config's"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars"),
) -> None:
    """Train and audit as the config says; write result.json and report.html.

    Exits 1 when a policy gate fails (after writing both files), naming the gate.
    """
    from audit._staging import staged_output
    from audit.config import load_config
    from audit.result import save_result
    from audit.runner import headline, run_audit

    try:
        cfg = load_config(config)
        if seed is not None:
            cfg = cfg.model_copy(update={"seed": seed})
        out_dir = Path(out if out is not None else cfg.output_dir)
        cfg = cfg.model_copy(update={"policy": _policy_with(cfg.policy, policy)})
        if cfg.policy.gates:
            from audit._preflight import check_config

            check_config(cfg, source="--policy")  # a gate on an unknown metric: before training
        inputs = [config, *([policy] if policy else []),
                  *(p for p in (cfg.data.path, cfg.data.train_path, cfg.data.test_path) if p)]
        _check_run_inputs(out_dir, inputs)
        # written aside and swapped in at the end: a failed run leaves the folder as it was
        with staged_output(out_dir) as stage:
            result = run_audit(cfg, output_dir=stage, progress=not quiet).result
            from reports import write_model_card, write_report, write_technical_documentation

            tick = time.perf_counter()
            write_report(result, stage / "report.html")
            render_seconds = time.perf_counter() - tick
            write_model_card(result, stage / "model_card.md")
            write_technical_documentation(result, stage / "technical_documentation.md")
            save_result(result, stage / "result.json")
    except RaiAuditError as exc:
        _fail(exc)
    result_path, report_path = out_dir / "result.json", out_dir / "report.html"
    for line in headline(result):
        typer.echo(for_terminal(line))
    for warning in result.metadata.warnings:
        typer.secho(f"warning: {for_terminal(warning)}", err=True, fg=typer.colors.YELLOW)
    typer.echo(f"report rendered in {render_seconds:.2f} s")
    typer.echo(f"result: {for_terminal(str(result_path))}")
    typer.echo(f"report: {for_terminal(str(report_path))}")
    _exit_for_policy(result)
    _exit_for_failed_audits(result)


def _exit_for_failed_audits(result) -> None:
    failed = result.failed_audits
    if failed:
        typer.secho(f"audit(s) failed: {', '.join(failed)} (see their sections in the report)",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_AUDIT_FAILED)


def _policy_with(base, extra_file: Path | None):
    """The config's policy plus the gates of ``--policy FILE``."""
    if extra_file is None:
        return base
    from audit.policy import load_policy

    extra = load_policy(extra_file)
    return base.model_copy(update={"gates": [*base.gates, *extra.gates]})


def _judge(result, policy):
    """``result`` with its policy verdict, when the policy has gates."""
    if not policy.gates:
        return result
    from dataclasses import replace

    from audit.policy import evaluate_policy

    return replace(result, policy=evaluate_policy(result, policy))


def _exit_for_policy(result) -> None:
    if result.policy is None:
        return
    for gate in result.policy.gates:
        value = "not measured" if gate.value is None else f"{gate.value:.4g}"
        if gate.interval is not None:
            value += f" [{gate.interval.low:.4g}, {gate.interval.high:.4g}]"
        typer.echo(for_terminal(f"gate {gate.status.upper():4} {gate.name}: {value} ({gate.reason})"))
    failed = [g.name for g in result.policy.gates if g.status == "fail"]
    if failed:
        typer.secho(for_terminal(f"policy failed: {', '.join(failed)}"), err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(EXIT_GATE_FAILED)


@app.command("audit-predictions")
def audit_predictions(
    config: Path = typer.Argument(..., help="Prediction-log audit config (YAML): the log, its "
                                            "columns, the audits' options"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder (default: "
                                                                "output_dir in the config)"),
    seed: int | None = typer.Option(None, help="Override the config's seed"),
    policy: Path | None = typer.Option(None, "--policy", "-p",
                                       help="Policy YAML whose gates are added to the config's"),
) -> None:
    """Audit a log of predictions where it lives (pandas, Polars, pyarrow, Dask, Spark).

    Fairness per group and over time, error-analysis slices, score metrics and k-anonymity
    from engine aggregates; writes result.json and report.html, exits 1 when a gate fails.
    """
    from audit.predictions import log_headline as headline
    from audit.predictions import run_from_config

    try:
        result, result_path, report_path = run_from_config(config, out=out, seed=seed,
                                                           extra_policy=policy)
    except RaiAuditError as exc:
        _fail(exc)
    for line in headline(result):
        typer.echo(line)
    typer.echo(f"result: {result_path}")
    typer.echo(f"report: {report_path}")
    _exit_for_policy(result)


@app.command()
def report(
    result: Path = typer.Argument(..., help="A result.json written by `rai-audit run`"),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write"),
) -> None:
    """Render the HTML report of a saved result."""
    from reports import write_report

    _write_from_saved(result, out, write_report, "report")


def _write_from_saved(result: Path, out: Path, writer, label: str) -> None:
    """Load ``result``, write ``out`` with ``writer(result, out)``, print where it went."""
    from audit.result import load_result

    try:
        _check_output_file(out, [result])  # never over its own input, never onto a folder
        loaded = load_result(result)
        if loaded.content_check == "edited":
            typer.secho(f"warning: {for_terminal(str(result))} was edited after rai-audit wrote it "
                        "(its content hash does not match); the output says so", err=True,
                        fg=typer.colors.YELLOW)
        path = writer(loaded, out)
    except RaiAuditError as exc:
        _fail(exc)
    typer.echo(for_terminal(f"{label}: {path}"))


@app.command()
def check(
    result: Path = typer.Argument(..., help="A result.json written by `rai-audit run`"),
    policy: Path = typer.Option(..., "--policy", "-p", help="Policy YAML of gates"),
) -> None:
    """Judge a saved result against a policy; exit 1 when a gate fails."""
    from audit.policy import load_policy
    from audit.result import load_result

    try:
        loaded = load_result(result)
        judged = _judge(loaded, load_policy(policy))
    except RaiAuditError as exc:
        _fail(exc)
    if loaded.content_check == "edited":
        typer.secho(f"warning: {for_terminal(str(result))} was edited after rai-audit wrote it "
                    "(its content hash does not match); judging it as it is", err=True,
                    fg=typer.colors.YELLOW)
    _exit_for_policy(judged)
    typer.echo(f"policy {judged.policy.status if judged.policy else 'empty'}")


@app.command()
def card(
    result: Path = typer.Argument(..., help="A result.json written by `rai-audit run`"),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Markdown file to write (default: model_card.md, or "
                                         "technical_documentation.md with --technical)"),
    technical: bool = typer.Option(False, "--technical",
                                   help="Write the technical documentation (with its EU AI Act "
                                        "Annex IV mapping aid) instead of the model card"),
) -> None:
    """Write the Markdown model card (or, with --technical, the technical documentation) of a
    saved result."""
    if technical:
        from reports import write_technical_documentation

        _write_from_saved(result, out or Path("technical_documentation.md"),
                          write_technical_documentation, "technical documentation")
        return
    from reports import write_model_card

    _write_from_saved(result, out or Path("model_card.md"), write_model_card, "model card")


@app.command()
def scan(
    path: Path | None = typer.Argument(None, help="CSV or JSONL table (default: the shipped census data)"),
    qi: list[str] | None = typer.Option(None, "--qi", help="A quasi-identifier column (repeat; "
                                        "default: census's 8, else columns with 2-100 values)"),
    sensitive: str | None = typer.Option(None, help="Column for l-diversity (census: income)"),
    k: int = typer.Option(5, "--k", min=1, help="Target k"),
    l_target: int = typer.Option(2, "--l", min=1, help="Target distinct l"),
    max_suppression: float = typer.Option(0.01, min=0.0, max=1.0, help="Share of rows that may be suppressed"),
    text_column: list[str] | None = typer.Option(None, "--text-column", help="Free-text column to scan (repeat)"),
    redact_to: Path | None = typer.Option(None, help="Write a redacted copy of PATH here (never in place)"),
    generalise_to: Path | None = typer.Option(None, help="Write the generalised table (target k) here"),
    json_out: Path | None = typer.Option(None, "--json", help="Write the scan result as JSON here"),
    overwrite: bool = typer.Option(False, help="Allow replacing existing output files"),
    phone_region: str = typer.Option("US", help="Region of phone numbers written without +country"),
) -> None:
    """Data privacy scan before training: quasi-identifiers, k-anonymity, l-diversity, a
    generalisation reaching k, and personal data in text columns (with redaction to a new file)."""
    from audit.data_privacy import run_scan

    try:
        lines = run_scan(path, quasi_identifiers=qi or None, sensitive=sensitive, k_target=k,
                         l_target=l_target, max_suppression=max_suppression,
                         text_columns=list(text_column or []), redact_to=redact_to,
                         generalise_to=generalise_to, json_out=json_out, overwrite=overwrite,
                         phone_region=phone_region)
    except RaiAuditError as exc:
        _fail(exc)
    for line in lines:
        typer.echo(for_terminal(line))


@app.command()
def metrics() -> None:
    """List the metric names policy gates can use."""
    from audit.policy import available_metrics

    for name, help_text in available_metrics().items():
        typer.echo(f"{name:40} {help_text}")


@app.command()
def audits() -> None:
    """List the registered audits: slug (config key, result section, gate prefix), modalities
    and what each measures."""
    from audit.core import registered_audits

    for a in registered_audits():
        typer.echo(f"{a.slug:16} {','.join(a.modalities):18} {a.phase:5}  {a.title}: {a.description}")


@app.command()
def validate(config: Path = typer.Argument(..., help="Audit config (YAML) to check")) -> None:
    """Check a config file and print it with defaults filled in.

    Refuses (exit 2) an enabled audit that cannot run on the config's data, and, for a CSV
    table, every problem of its header and a sample (unknown columns with the nearest names,
    labels that are not values of the target, unusable column types) together.
    """
    from audit.config import load_config
    from audit.data import check_config_data
    from audit.runner import check_config

    try:
        cfg = load_config(config)
        check_config(cfg)
        check_config_data(cfg)
    except RaiAuditError as exc:
        _fail(exc)
    typer.echo(cfg.model_dump_json(indent=2))


@app.command()
def dashboard(
    path: Path | None = typer.Argument(None, help="A result.json or a folder of results"),
    port: int = typer.Option(8501, help="Port to serve on"),
    address: str = typer.Option("127.0.0.1", help="Address to listen on. The default serves this "
                                "machine only; 0.0.0.0 lets anyone who can reach it read the results "
                                "and run the sample audits"),
    headless: bool | None = typer.Option(
        None, "--headless/--no-headless",
        help="Do not open a browser window (default: headless when stdin is not a terminal, "
             "so Streamlit never waits at its first-run e-mail prompt)"),
) -> None:
    """Open the Streamlit audit dashboard (needs the 'dashboard' extra).

    It listens on 127.0.0.1 (this machine only) unless ``--address`` says otherwise.

    On POSIX the dashboard replaces this process, so Ctrl-C and SIGTERM reach the server
    directly and never leave it running on its own.
    """
    import importlib.util
    import os

    if importlib.util.find_spec("streamlit") is None:
        typer.secho("error: the dashboard needs streamlit: pip install 'rai-audit[dashboard]'",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_BAD_INPUT)
    if path is not None and not path.exists():
        from audit.errors import ConfigError

        _fail(ConfigError(str(path), "an existing result.json or folder", "no such path",
                          "run `rai-audit run CONFIG` first"))
    if path is not None and path.is_file():
        from audit.result import load_result

        try:
            load_result(path)  # a bad file is refused here, with the fix, not in the browser
        except RaiAuditError as exc:
            _fail(exc)
    import dashboards

    if headless is None:
        headless = not (sys.stdin is not None and sys.stdin.isatty())
    app_file = Path(dashboards.__file__).with_name("app.py")
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
               "--server.address", address, "--server.headless", str(headless).lower(),
               "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    if path is not None:
        command += ["--", "--results", str(path.resolve())]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, command)  # does not return
    process = subprocess.Popen(command)
    try:
        code = process.wait()
    finally:
        if process.poll() is None:  # interrupted: never leave the server running alone
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    raise typer.Exit(code)


@app.command()
def version() -> None:
    """Print the versions of rai-audit and the libraries it relies on."""
    import audit
    from audit.pipelines import library_versions

    typer.echo(f"rai-audit {audit.__version__}")
    for name, value in library_versions().items():
        typer.echo(f"{name} {value}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
