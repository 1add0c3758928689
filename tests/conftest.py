from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


def shared_path(*parts: str) -> Path:
    """A file of ../shared (data that is not ours), or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present (shared data lives beside the repository)")
    return path


@pytest.fixture(scope="session")
def nlp():
    from sitrep import nlp as nlp_module

    return nlp_module.load()


@pytest.fixture(scope="session")
def pipeline(nlp):
    from sitrep.pipeline import Pipeline

    return Pipeline(nlp=nlp)


@pytest.fixture
def run_cli():
    """Run the real command in a subprocess: exit code, stdout and stderr as a user sees them."""
    import subprocess

    def run(*args: str, input: str | None = None, cwd: Path | None = None):
        return subprocess.run(
            [sys.executable, "-m", "sitrep", *args], input=input, capture_output=True,
            text=True, cwd=cwd or ROOT, timeout=600,
        )

    return run
