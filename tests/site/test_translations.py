"""Translations ship with the code: the compiled catalogs are committed and match the .po
files, and a deployment done the way docs/deployment.md says serves Indonesian."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po"))


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_catalog_is_compiled_from_its_po_file(po, tmp_path):
    compiled = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages` and commit it"
    assert committed.read_bytes() == compiled.read_bytes(), (
        f"{committed.name} is stale: run `make messages` and commit it"
    )


def _fresh_checkout(target: Path) -> None:
    """The files git tracks, as a clone would have them (nothing generated, no .mo built)."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_a_deployment_from_a_fresh_checkout_serves_indonesian(tmp_path):
    checkout = tmp_path / "checkout"
    _fresh_checkout(checkout)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "LIVECHAT_"))
    }
    # docs/deployment.md's production settings, on loopback (DJANGO_HTTPS=0).
    env.update(
        DJANGO_SETTINGS_MODULE="livechat.settings",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY="deployment-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    for step in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [sys.executable, "manage.py", *step, "-v", "0"],
            cwd=checkout,
            env=env,
            check=True,
            timeout=180,
        )
    port = _free_port()
    daphne = Path(sys.executable).with_name("daphne")
    server = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "livechat.asgi:application"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/widget/jsi18n/id/", timeout=5) as r:
                    catalog = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with opener.open(f"http://127.0.0.1:{port}/widget/?lang=id", timeout=5) as r:
            page = r.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Terhubung" in catalog  # "Connected", in the widget's JavaScript catalog
    assert 'lang="id"' in page
