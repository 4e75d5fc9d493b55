"""gunicorn settings for this app; gunicorn reads this file from the working directory by
itself, so the check below runs however the service is started (`gunicorn wsgi:app`)."""
import os


def on_starting(server) -> None:  # noqa: ANN001 (gunicorn's Arbiter)
    """Load the Chinese segmenter once in the master: every worker forked from it has it
    ready (no first Chinese search waits about a second) and shares its memory."""
    from eventapp.archive.search import load_segmenter

    load_segmenter()


def when_ready(server) -> None:  # noqa: ANN001 (gunicorn's Arbiter)
    """Warn when several workers would each keep their own in-memory rate limits."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    if (
        os.environ.get("EVENTAPP_ENV") == "production"
        and server.cfg.workers > 1
        and storage.startswith("memory://")
    ):
        server.log.warning(
            "RATELIMIT_STORAGE_URI is memory:// with %s workers: each worker counts on its "
            "own, so clients get %s times the configured limits. Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0.",
            server.cfg.workers,
            server.cfg.workers,
        )
