"""The Chinese segmenter is loaded when gunicorn starts, before any search, and what
gunicorn's master and workers load is frozen out of the garbage collector's way."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: whether another test already loaded jieba must not matter.
CHECK = """
import runpy, sys
from eventapp.archive import search
assert not search.is_segmenter_loaded() and "jieba" not in sys.modules
hooks = runpy.run_path("gunicorn.conf.py")
hooks["on_starting"](None)
import jieba
assert search.is_segmenter_loaded() and jieba.dt.initialized
print(search.segment_chinese("佛山贵阳"))
"""


def run_fresh(code: str) -> str:
    """What `code` prints in a new interpreter in the project folder (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "EVENTAPP_ENV": "testing"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_gunicorn_start_loads_the_segmenter_before_any_search():
    assert run_fresh(CHECK) == "['佛山', '贵阳']"


FREEZE = """
import gc, runpy
hooks = runpy.run_path("gunicorn.conf.py")
hooks["on_starting"](None)
master = gc.get_freeze_count()
from eventapp import create_app
app = create_app()
hooks["post_worker_init"](None)
print(master > 100000, gc.get_freeze_count() > master)
"""


def test_gunicorn_freezes_the_segmenter_and_each_workers_app():
    assert run_fresh(FREEZE) == "True True"
