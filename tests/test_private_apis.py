"""The build's uses of private parts of its dependencies stop at once on an unchecked version."""

import sys
from importlib import metadata
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))
import private_apis  # noqa: E402


def test_the_installed_versions_are_the_supported_ones():
    private_apis.check_all()
    for distribution, prefixes in private_apis.SUPPORTED.items():
        assert metadata.version(distribution).startswith(prefixes)


@pytest.mark.parametrize("distribution", sorted(private_apis.SUPPORTED))
def test_another_version_stops_with_the_supported_ones_named(distribution, monkeypatch):
    monkeypatch.setattr(private_apis.metadata, "version", lambda name: "99.0.0")
    supported = ", ".join(v + "x" for v in private_apis.SUPPORTED[distribution])
    with pytest.raises(private_apis.UnsupportedVersionError,
                       match=f"{distribution} 99.0.0 is installed.*checked with {supported} only"):
        private_apis.check_version(distribution)


def test_every_private_use_checks_its_version_first(monkeypatch):
    monkeypatch.setattr(private_apis.metadata, "version", lambda name: "99.0.0")
    uses = [
        lambda: private_apis.wrap_search_word_collector(lambda original: original),
        lambda: private_apis.script_identity(None),
        lambda: private_apis.wrap_exercise_directive(lambda original: original),
        lambda: private_apis.build_sphinx(),
    ]
    for use in uses:
        with pytest.raises(private_apis.UnsupportedVersionError):
            use()
