"""Object stores through fsspec: which URLs they are, how to reach them, their objects.

``s3://bucket/prefix``, ``gs://``, ``az://`` (and any other fsspec protocol whose
implementation is installed) are listed with ``fs.find(..., detail=True)``; every object
becomes a :class:`ObjectBlob` that the format readers open. Credentials come from each
library's standard provider chain (environment, profile, instance role); S3-compatible
stores take ``Config.endpoint_url``. Only read calls are made: nothing is ever written.

Transient failures of object reads (throttling, 5xx, timeouts, dropped connections) are
retried with exponential backoff on top of the client's own retries (botocore's adaptive
mode, which also slows down when throttled); listing relies on the client's retries.
Anything else on one object becomes an :class:`~piiscan.errors.AssetError` with a short
reason, and a store that cannot be reached at all a :class:`~piiscan.errors.SourceError`.
"""

from __future__ import annotations

import errno
import importlib.util
import io
import time
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any, BinaryIO, TypeVar

from piiscan.config import Config
from piiscan.connectors.readers.blob import SMALL_BLOB_BYTES, Blob, counted
from piiscan.connectors.walk import VCS_DIRS, VCS_REASON
from piiscan.errors import AssetError, SourceError, UsageError
from piiscan.install import install_command
from piiscan.masking import mask_url
from piiscan.plugins import source_scheme

T = TypeVar("T")

#: Protocol → the piiscan extra that installs its fsspec implementation.
EXTRAS = {
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "adl": "azure",
}
#: The object-store URL schemes the files connector declares (others installed through
#: fsspec are recognised by :func:`is_store_url`).
STORE_SCHEMES: tuple[str, ...] = tuple(EXTRAS)
#: fsspec protocols that are not object stores to list (wrappers, archives, web pages).
NOT_STORES = frozenset(
    {
        "file",
        "local",
        "http",
        "https",
        "zip",
        "tar",
        "libarchive",
        "reference",
        "cached",
        "blockcache",
        "filecache",
        "simplecache",
        "dir",
        "generic",
        "async_wrapper",
        "asyncwrapper",
        "asynclocal",
        "data",
        "dask",
        "jlab",
        "jupyter",
        "pyscript",
    }
)
#: Objects up to this size are fetched whole, once, and served from memory afterwards.
SMALL_OBJECT_BYTES = SMALL_BLOB_BYTES
RETRY_ATTEMPTS = 3
RETRY_BASE_DELAY = 0.25
RETRY_MAX_DELAY = 4.0
_TRANSIENT_ERRNO = {
    errno.EBUSY,
    errno.EAGAIN,
    errno.ETIMEDOUT,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EREMOTEIO,
}
_TRANSIENT_NAMES = {
    "ReadTimeoutError",
    "ConnectionClosedError",
    "ClientPayloadError",
    "ServerDisconnectedError",
    "FSTimeoutError",
    "IncompleteRead",
    "ResponseStreamingError",
}
#: Attempts of the S3 client itself, the first included (botocore, adaptive mode: it also
#: rate-limits); piiscan's :data:`RETRY_ATTEMPTS` come on top, so a permanently failing
#: object costs at most ``RETRY_ATTEMPTS * S3_CLIENT_ATTEMPTS`` requests.
S3_CLIENT_ATTEMPTS = 3


def scheme_of(source: str) -> str | None:
    """The scheme of a ``scheme://`` URL, lower case; None for anything else."""
    return source_scheme(source) if "://" in source else None


def is_store_url(source: str) -> bool:
    """True for an object-store URL that fsspec can serve (installed or a known extra)."""
    scheme = scheme_of(source)
    if scheme is None or scheme in NOT_STORES:
        return False
    if scheme in EXTRAS:
        return True
    from fsspec.registry import known_implementations, registry

    if scheme in registry:
        return True
    spec = known_implementations.get(scheme)
    if spec is None:
        return False
    module = spec["class"].split(".", 1)[0]
    return importlib.util.find_spec(module) is not None


# -- retries and errors --------------------------------------------------------------------
def is_transient(exc: BaseException) -> bool:
    """Throttling, 5xx, timeouts and dropped connections: worth another try. A refused
    connection is not (the client has retried it already; the store is down)."""
    name = type(exc).__name__
    if name == "FileExpired" or isinstance(
        exc, FileNotFoundError | PermissionError | ConnectionRefusedError
    ):
        return False
    if isinstance(exc, TimeoutError | ConnectionError) or name in _TRANSIENT_NAMES:
        return True
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNO


def retry_transient(
    fn: Callable[[], T],
    *,
    attempts: int | None = None,
    base_delay: float | None = None,
    max_delay: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; on a transient failure wait ``base_delay * 2**n`` (capped) and retry,
    at most ``attempts`` calls in all. Other failures, and the last one, propagate.
    Unset arguments take the module's ``RETRY_*`` values at call time."""
    attempts = RETRY_ATTEMPTS if attempts is None else attempts
    base_delay = RETRY_BASE_DELAY if base_delay is None else base_delay
    max_delay = RETRY_MAX_DELAY if max_delay is None else max_delay
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if attempt + 1 >= attempts or not is_transient(exc):
                raise
            sleep(min(max_delay, base_delay * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def object_error(exc: BaseException) -> AssetError:
    """A short reason for one object that could not be read (never the data)."""
    if isinstance(exc, FileNotFoundError):
        return AssetError("object not found (deleted since it was listed?)")
    if isinstance(exc, PermissionError):
        return AssetError("access denied")
    if type(exc).__name__ == "FileExpired":
        return AssetError("object changed while it was being read")
    if is_transient(exc):
        return AssetError(
            f"store unavailable after {RETRY_ATTEMPTS} attempts ({type(exc).__name__})"
        )
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    return AssetError(f"cannot read object: {detail}")


def guarded(fn: Callable[[], T]) -> T:
    """One storage call with retries; failures as :class:`AssetError`."""
    try:
        return retry_transient(fn)
    except AssetError:
        raise
    except Exception as exc:
        raise object_error(exc) from exc


# -- file systems and objects --------------------------------------------------------------
def filesystem_class(protocol: str) -> Any:
    """fsspec's file-system class for ``protocol``; UsageError with the install command of
    the extra when its implementation is missing (cheap: imports, no connection)."""
    import fsspec

    try:
        return fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError):
        extra = EXTRAS.get(protocol)
        hint = (
            install_command(extra)
            if extra
            else f"install the fsspec implementation for {protocol}://"
        )
        raise UsageError(f"{protocol}:// sources need an optional dependency: {hint}") from None


def open_filesystem(protocol: str, config: Config) -> Any:
    """An fsspec file system for ``protocol``; UsageError naming the extra when missing."""
    cls = filesystem_class(protocol)
    kwargs: dict[str, Any] = {"skip_instance_cache": True}
    if protocol in ("s3", "s3a"):
        kwargs["client_kwargs"] = (
            {"endpoint_url": config.endpoint_url} if config.endpoint_url else {}
        )
        kwargs["config_kwargs"] = {
            "retries": {"total_max_attempts": S3_CLIENT_ATTEMPTS, "mode": "adaptive"},
            "connect_timeout": 10,
            "read_timeout": 60,
        }
    elif protocol in ("gs", "gcs") and config.endpoint_url:
        kwargs["endpoint_url"] = config.endpoint_url
    try:
        return cls(**kwargs)
    except Exception as exc:
        raise SourceError(f"cannot set up {protocol}:// access: {type(exc).__name__}") from None


def _fingerprint(info: dict[str, Any]) -> str | None:
    tag = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    if tag:
        return str(tag).strip('"')
    mtime = next(
        (
            info[k]
            for k in ("LastModified", "mtime", "updated", "last_modified", "created")
            if info.get(k) is not None
        ),
        None,
    )
    if info.get("size") is None or mtime is None:
        return None
    stamp = mtime.isoformat() if hasattr(mtime, "isoformat") else str(mtime)
    return f"{info['size']}-{stamp}"


class ObjectBlob(Blob):
    """One object in a store. Small objects are fetched whole once; larger ones are
    streamed (and ranges fetched) on demand. ``bytes_read`` counts bytes fetched."""

    def __init__(self, fs: Any, path: str, name: str, info: dict[str, Any]) -> None:
        self.fs = fs
        self.path = path
        self.name = name
        self.size = info.get("size")
        self.fingerprint = _fingerprint(info)
        self._data: bytes | None = None

    @property
    def _small(self) -> bool:
        return self.size is not None and self.size <= SMALL_OBJECT_BYTES

    def _whole(self) -> bytes:
        if self._data is None:
            self._data = guarded(lambda: self.fs.cat_file(self.path))
            self.count(len(self._data))
        return self._data

    def open(self) -> BinaryIO:
        if self._small:
            return io.BytesIO(self._whole())
        raw = guarded(lambda: self.fs.open(self.path, "rb", cache_type="none"))
        return counted(raw, self, guarded)

    def read_range(self, start: int, length: int) -> bytes:
        if self._small:
            return self._whole()[start : start + length]
        end = start + length if self.size is None else min(start + length, self.size)
        if end <= start:
            return b""
        data = guarded(lambda: self.fs.cat_file(self.path, start=start, end=end))
        self.count(len(data))
        return data


class ObjectStore:
    """One store URL: a single object or everything below a prefix (or a bucket)."""

    def __init__(self, source: str, config: Config) -> None:
        protocol = scheme_of(source) or ""
        self.display = mask_url(source)
        self.fs = open_filesystem(protocol, config)
        self.root = self.fs._strip_protocol(source).rstrip("/")
        try:
            info = self.fs.info(self.root)
        except FileNotFoundError:
            raise SourceError(f"no such bucket, object or prefix: {self.display}") from None
        except PermissionError:
            raise SourceError(f"access denied to {self.display}") from None
        except Exception as exc:
            raise SourceError(f"cannot reach {self.display}: {_brief(exc)}") from None
        self.single = info.get("type") == "file"
        self.info = info

    def blobs(self, on_skip: Callable[[str, str], None] | None = None) -> Iterator[ObjectBlob]:
        """The objects, sorted by key. Keys below a version-control folder (``.git/``) are
        left out: ``on_skip(prefix, reason)`` is called once per such folder. Other hidden
        keys (``.env``, ``exports/.backup/x.csv``) are listed like any other."""
        if self.single:
            yield ObjectBlob(self.fs, self.root, PurePosixPath(self.root).name, self.info)
            return
        try:
            found = self.fs.find(self.root, detail=True)
        except Exception as exc:
            raise SourceError(f"cannot list {self.display}: {_brief(exc)}") from None
        prefix = self.root + "/" if self.root else ""
        skipped: set[str] = set()
        for path in sorted(found):
            info = found[path]
            rel = path[len(prefix) :] if path.startswith(prefix) else path
            if info.get("type", "file") != "file" or not rel or rel.endswith("/"):
                continue
            parts = rel.split("/")
            vcs = next((i for i, p in enumerate(parts[:-1]) if p in VCS_DIRS), None)
            if vcs is not None:
                folder = "/".join(parts[: vcs + 1])
                if folder not in skipped:
                    skipped.add(folder)
                    if on_skip is not None:
                        on_skip(folder, VCS_REASON)
                continue
            yield ObjectBlob(self.fs, path, rel, info)


def _brief(exc: BaseException) -> str:
    """An exception's class and message, cut short (store messages hold no data)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
