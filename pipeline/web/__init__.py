"""The read-only web app and JSON API (`plans web`): create_app(engine) -> FastAPI."""

from pipeline.web.app import create_app

__all__ = ["create_app"]
