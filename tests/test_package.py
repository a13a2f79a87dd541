"""The package's shape: a light import, submodules that are modules, one way to evaluate."""

import importlib
import pkgutil
import subprocess
import sys

import pytest
import torch
from torch import nn

import charrnn
from charrnn import evaluating


def test_import_charrnn_loads_torch_and_the_core_only():
    probe = "import sys, charrnn; print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                check=True).stdout.split())
    assert "torch" in loaded
    heavy = {"matplotlib", "matplotlib.pyplot", "ipywidgets", "IPython", "charrnn.live",
             "charrnn.widgets", "charrnn.plots", "charrnn.ladder"}
    assert not heavy & loaded, f"loaded by import charrnn: {sorted(heavy & loaded)}"


def test_modules_load_on_first_use():
    probe = "import sys, charrnn; charrnn.plots; print('matplotlib.pyplot' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
    with pytest.raises(AttributeError, match="no attribute 'plot'"):
        charrnn.plot


def test_no_name_in_the_package_shadows_a_submodule():
    names = [m.name for m in pkgutil.iter_modules(charrnn.__path__)]
    assert {"training", "sampling", "models"} <= set(names)
    for name in names:
        module = importlib.import_module(f"charrnn.{name}")
        assert getattr(charrnn, name) is module, f"charrnn.{name} is not the module charrnn/{name}.py"


def test_evaluating_turns_gradients_off_and_restores_the_mode_even_after_an_error():
    net = nn.Linear(2, 2)
    with evaluating(net):
        assert not net.training and not torch.is_grad_enabled()
    assert net.training and torch.is_grad_enabled()
    net.eval()
    with pytest.raises(RuntimeError, match="boom"), evaluating(net):
        raise RuntimeError("boom")
    assert not net.training
    net.train()
    with pytest.raises(RuntimeError, match="boom"), evaluating(net):
        raise RuntimeError("boom")
    assert net.training and torch.is_grad_enabled()
