"""Run sample audits: start ``rai-audit run`` on a sample config in a background process, watch
its progress, then open the new result. One run at a time (see :mod:`dashboards._sample_runs`)."""

from pathlib import Path

import streamlit as st

from audit.errors import OutputPathError
from dashboards._sample_runs import (
    DEFAULT_ESTIMATE_S,
    REPO,
    sample_configs,
    sample_output_folder,
    sample_runner,
)
from dashboards._state import DEFAULT_FOLDER, cached_result_files, md_escape, results_location


def _label(option) -> str:
    try:
        return str(Path(option).relative_to(REPO))
    except ValueError:
        return str(option)


def _results_folder() -> Path:
    """The folder the sidebar searches by default (a file's folder when it names a file)."""
    location = results_location() or Path(DEFAULT_FOLDER)
    return location.parent if location.suffix == ".json" else location


st.header("Run sample audits")
root = _results_folder()
st.write("Train and audit a shipped sample model with `rai-audit run` in a background process. "
         f"The result is written to a folder inside the results folder ({md_escape(root)}) and "
         "appears in the sidebar's list. Only the shipped sample configs (and any the person who "
         "started the dashboard listed in `RAI_AUDIT_SAMPLE_CONFIGS`) can be run here.")
runner = sample_runner()

configs = sample_configs()
config = st.selectbox("Config", list(configs), format_func=_label,
                      help="audit.yaml: the non-private census MLP with every audit; "
                           "audit_dp.yaml: the same model trained with DP-SGD at epsilon 1.")
stem = config.stem
name = st.text_input("Output folder name", value=f"dashboard-{stem}", key=f"out-{stem}",
                     help=f"A plain folder name; the run is written to {root}/NAME.").strip()
out_dir, out_error = None, ""
try:
    out_dir = sample_output_folder(root, name)
except OutputPathError as exc:
    out_error = str(exc)
if out_error:
    st.error(md_escape(out_error))

current = runner.current
left, right = st.columns([1, 4])
if left.button("Run", type="primary", disabled=out_dir is None,
               help="Runs `rai-audit run CONFIG --out FOLDER --quiet` in the background; "
                    "a run in progress is stopped first (one at a time)."):
    current = runner.start(config, out_dir)
running = current is not None and current.poll() is None
if running and right.button("Stop the run in progress"):
    runner.stop()
    st.rerun()


@st.fragment(run_every=1.0)
def progress() -> None:
    """Redrawn every second while the run lasts; reruns the whole page when it ends."""
    run = runner.current
    if run is None or run.poll() is not None:
        st.rerun(scope="app")
    estimate = configs.get(run.config, DEFAULT_ESTIMATE_S)
    st.progress(min(run.elapsed / estimate, 0.95),
                text=f"Running {md_escape(_label(run.config))}: {run.elapsed:.0f} s elapsed "
                     f"(the bar assumes about {estimate / 60:.0f} min, a rough guess for a laptop "
                     "CPU; the other pages stay usable meanwhile).")


if current is None:
    st.info("Choose a config and click **Run**.")
elif running:
    progress()
else:
    code = current.poll()
    where = md_escape(current.out_dir)
    if current.stopped:
        st.warning(f"The run of {md_escape(_label(current.config))} was stopped after "
                   f"{current.elapsed:.0f} s.")
    elif code == 0 or (code == 1 and current.wrote_result()):  # 1: a policy gate failed
        if not current.rescanned:  # list the new result in the sidebar, which is drawn first
            current.rescanned = True
            cached_result_files.clear()
            st.rerun(scope="app")
        (st.success if code == 0 else st.warning)(
            f"Finished in {current.elapsed:.0f} s"
            + ("" if code == 0 else ", but a policy gate failed (see below)")
            + f". The result is in {where}; choose it in the sidebar's **Result** list "
              "(type its folder in the sidebar if it is not listed).")
        st.code(current.stdout() or "(no output)", language=None)
    else:
        st.error(f"The run of {md_escape(_label(current.config))} failed (exit status {code}) "
                 f"after {current.elapsed:.0f} s. What it reported:")
        st.code(current.stderr_tail() or current.stdout()[-4000:] or "(no output)", language=None)
