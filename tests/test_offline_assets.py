"""The build's offline assets: pinned npm packages, checked by hash, unpacked once."""

import sys
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))
import offline_assets  # noqa: E402

REQUIREJS = {"requirejs": offline_assets.PACKAGES["requirejs"]}


@pytest.mark.needs_npm_registry
def test_fetches_the_pinned_files_once(tmp_path, monkeypatch):
    monkeypatch.setattr(offline_assets, "PACKAGES", REQUIREJS)
    offline_assets.fetch_assets(tmp_path / "vendor")
    assert (tmp_path / "vendor" / "requirejs" / "require.js").read_text().count("requirejs") > 10
    assert [p.name for p in (tmp_path / "vendor" / "requirejs").iterdir()] == ["require.js"]

    def no_second_download(*args):
        raise AssertionError("the same pins were fetched again")

    monkeypatch.setattr(offline_assets, "_npm_pack", no_second_download)
    offline_assets.fetch_assets(tmp_path / "vendor")


@pytest.mark.needs_npm_registry
def test_a_tarball_that_does_not_match_its_pin_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(offline_assets, "PACKAGES", {"requirejs": ("2.3.8", "sha512-" + "A" * 86 + "==")})
    with pytest.raises(ExtensionError, match="does not match its pinned sha512"):
        offline_assets.fetch_assets(tmp_path / "vendor")
    assert not (tmp_path / "vendor" / "pins.json").exists()


def test_without_npm_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(offline_assets, "PACKAGES", REQUIREJS)
    monkeypatch.setattr(offline_assets.nodejs, "find", lambda name: None)
    with pytest.raises(ExtensionError, match="needs npm once.*`make` installs it into .venv"):
        offline_assets.fetch_assets(tmp_path / "vendor")


def test_every_pinned_package_has_a_layout():
    assert set(offline_assets.PACKAGES) == set(offline_assets.LAYOUT)
