"""The ``rai-audit`` command line (Typer).

Exit codes: 0 success, 1 a policy gate failed, 2 bad input (the message says what to fix).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import typer

from audit.errors import RaiAuditError

app = typer.Typer(
    name="rai-audit",
    help="Privacy, fairness and explainability audits for PyTorch models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2


def _fail(exc: RaiAuditError) -> None:
    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def run(
    config: Path = typer.Argument(..., help="Audit config (YAML), e.g. sample_models/census_income/audit.yaml"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder (default: output_dir in the config)"),
    seed: int | None = typer.Option(None, help="Override the config's seed"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars"),
) -> None:
    """Train and audit as the config says; write result.json and report.html."""
    from audit._io import ensure_writable_dir
    from audit.config import load_config
    from audit.result import save_result
    from audit.runner import headline, run_audit

    try:
        cfg = load_config(config)
        if seed is not None:
            cfg = cfg.model_copy(update={"seed": seed})
        out_dir = ensure_writable_dir(out if out is not None else cfg.output_dir)
        audit_run = run_audit(cfg, output_dir=out_dir, progress=not quiet)
        from reports import write_report

        tick = time.perf_counter()
        report_path = write_report(audit_run.result, out_dir / "report.html")
        render_seconds = time.perf_counter() - tick
        result_path = save_result(audit_run.result, out_dir / "result.json")
    except RaiAuditError as exc:
        _fail(exc)
    for line in headline(audit_run.result):
        typer.echo(line)
    typer.echo(f"report rendered in {render_seconds:.2f} s")
    typer.echo(f"result: {result_path}")
    typer.echo(f"report: {report_path}")


@app.command()
def report(
    result: Path = typer.Argument(..., help="A result.json written by `rai-audit run`"),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write"),
) -> None:
    """Render the HTML report of a saved result."""
    from audit.result import load_result
    from reports import write_report

    try:
        path = write_report(load_result(result), out)
    except RaiAuditError as exc:
        _fail(exc)
    typer.echo(f"report: {path}")


@app.command()
def validate(config: Path = typer.Argument(..., help="Audit config (YAML) to check")) -> None:
    """Check a config file and print it with defaults filled in."""
    from audit.config import load_config

    try:
        cfg = load_config(config)
    except RaiAuditError as exc:
        _fail(exc)
    typer.echo(cfg.model_dump_json(indent=2))


@app.command()
def dashboard(
    path: Path | None = typer.Argument(None, help="A result.json or a folder of results"),
    port: int = typer.Option(8501, help="Port to serve on"),
    headless: bool = typer.Option(False, help="Do not open a browser window"),
) -> None:
    """Open the Streamlit audit dashboard (needs the 'dashboard' extra)."""
    try:
        import streamlit  # noqa: F401
    except ImportError:
        typer.secho("error: the dashboard needs streamlit: pip install 'rai-audit[dashboard]'",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if path is not None and not path.exists():
        typer.secho(f"error: {path}: expected an existing result.json or folder, got no such "
                    "path. Fix: run `rai-audit run CONFIG` first.", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_BAD_INPUT)
    import dashboards

    app_file = Path(dashboards.__file__).with_name("app.py")
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
               "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false"]
    if path is not None:
        command += ["--", "--results", str(path.resolve())]
    raise typer.Exit(subprocess.call(command))


@app.command()
def version() -> None:
    """Print the versions of rai-audit and the libraries it relies on."""
    import audit
    from audit.runner import library_versions

    typer.echo(f"rai-audit {audit.__version__}")
    for name, value in library_versions().items():
        typer.echo(f"{name} {value}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
