"""The kernel panels under the oldest ipywidgets that pyproject.toml allows: Colab's 7.7.1.

Colab's widget manager cannot draw ipywidgets 8 (googlecolab/colabtools#4525), so Colab keeps
7.7.1, and `pip install charrnn` must not replace it. This builds both ipywidgets panels and
trains one, in a kernel of its own environment: the project's packages, but ipywidgets 7.7.1 and
its companions of that time, fetched from PyPI.
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OLDEST = ["ipywidgets==7.7.1", "widgetsnbextension==3.6.10", "jupyterlab-widgets==1.1.11", "ipython-genutils==0.2.0"]

pytestmark = pytest.mark.slow

# Runs inside a kernel of the old environment; prints what the panels hold, as JSON.
PANELS = """
import json
import ipywidgets
import charrnn
from charrnn import widgets

train_iter, vocab = charrnn.load_data_time_machine(8, 20, max_tokens=2000)
explorer = widgets.HiddenSizeExplorer(train_iter, vocab, num_epochs=2, hidden_sizes=(8, 16), value=16)
history = explorer.train()
sampler = widgets.Sampler(explorer.net, vocab)
before = sampler.output.value
sampler.mode.value = "greedy"
greedy = sampler.output.value
sampler.prefix.value = "The"  # upper case: not in the vocabulary
refused = sampler.output.value
print(json.dumps({
    "version": ipywidgets.__version__, "epochs": len(history.train_ppl), "progress": explorer.progress.value,
    "status": explorer.status.value, "plot": explorer.plot.value[:80],
    "alt": "alt='perplexity by epoch at hidden size 16, over 2 epochs" in explorer.plot.value,
    "sample": explorer.sample_text.value,
    "before": before, "greedy": greedy, "refused": refused, "disabled": sampler.temperature.disabled,
}))
"""


def test_the_kernel_panels_build_and_train_under_the_oldest_ipywidgets(tmp_path):
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", *OLDEST],
                             capture_output=True, text=True)
    if install.returncode != 0 and not os.environ.get("CI"):
        pytest.skip(f"cannot install {OLDEST} from PyPI: {install.stderr[-500:]}")
    assert install.returncode == 0, install.stderr[-2000:]
    # Everything else from the project's environment, after the old widgets in the search order.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "project.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{ROOT}\n")

    # A notebook run by nbclient from the old environment's Python, so its kernel is that Python.
    run = f"""
import nbformat
from nbclient import NotebookClient
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell({PANELS!r})])
NotebookClient(notebook, kernel_name="python3", timeout=600).execute()
print(notebook.cells[0].outputs[-1]["text"])
"""
    result = subprocess.run([str(python), "-c", run], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["version"] == "7.7.1"
    assert seen["epochs"] == 2 and seen["progress"] == 2
    assert re.match(r"hidden size 16 \([\d,]+ parameters\): training perplexity \d", seen["status"])
    assert seen["plot"].startswith("<img class='charrnn-plot' src='data:image/png;base64,iVBORw0KGgo"), \
        "the perplexity plot is a PNG"
    assert seen["alt"], "its alt text says what it shows"
    assert "time traveller" in seen["sample"] and "time traveller" in seen["before"]
    assert seen["greedy"] != seen["before"] and seen["disabled"], "greedy: one text, no temperature"
    assert "not in the vocabulary" in seen["refused"] and "T" in seen["refused"]
