"""How a source is shown: as its connector shows it, never with its credentials.

A connector knows its own source syntax (:meth:`Connector.display_source`); a URL's
password and secret query parameters are masked on top (:func:`mask_url`), whatever the
connector returns. A source not opened yet, or that failed to open, is shown as its
connector class shows it on an unopened instance.
"""

from __future__ import annotations

from piiscan.config import Config
from piiscan.masking import mask_url, url_secrets
from piiscan.plugins import Connector


def connector_display(connector: Connector) -> str:
    """``connector``'s source as outputs show it (before names are masked)."""
    return mask_url(connector.display_source())


def unopened_display(cls: type[Connector], source: str, config: Config) -> str:
    """``source`` as ``cls`` shows it before it is opened (or when it cannot be): its
    :meth:`~Connector.display_source` on an instance holding only what the base class's
    ``__init__`` sets (``source``, ``config``), never opened. A ``display_source`` that
    needs an opened connector gives a placeholder naming the connector, not the source."""
    unopened = cls.__new__(cls)
    unopened.source, unopened.config = source, config
    try:
        return connector_display(unopened)
    except Exception:  # a display that reads what opening sets: nothing of the source shown
        return f"<{getattr(cls, 'name', cls.__name__)} source>"


def source_secrets(source: str, display: str) -> list[str]:
    """What no recorded reason may quote of ``source``: its URL secrets, and the whole
    source when its connector masks more of it than :func:`mask_url` does (a syntax of
    its own: a message that quotes the source would quote its credentials)."""
    secrets_ = url_secrets(source)
    return [source, *secrets_] if display != mask_url(source) else secrets_
