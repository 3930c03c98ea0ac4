"""install(): refuses a moto the extensions were not written for, and applies them once."""

from __future__ import annotations

import moto
import pytest

from mlstack.emulator import install


def test_another_moto_version_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=r"written for moto 5\.2\.5, found 5\.3\.0"):
        install.check_moto_version("5.3.0")


def test_the_pinned_moto_is_the_installed_one() -> None:
    install.check_moto_version(moto.__version__)


def test_install_applies_every_installer_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(install, "_INSTALLED", [])
    monkeypatch.setattr(install, "INSTALLERS", [lambda: calls.append("one"), lambda: calls.append("two")])
    install.install()
    install.install()
    assert calls == ["one", "two"]
