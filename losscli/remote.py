"""Remote SOURCEs: https://, s3:// and gs:// URLs (the optional `remote` extra: fsspec, aiohttp, s3fs).

Nothing of fsspec is imported until a URL is given. Text tables, JSON Lines and .npy files are
read from fsspec file objects as streams, a block at a time (losscli.stream), as a pipe is;
Parquet and Arrow files through polars' own object-store reader, which reads row groups in
blocks (an fsspec file object given to polars is read whole: measured in docs/datasets.md).

The selector of a URL follows the last ':' of its last path segment (after the last '/'): the
':' of the scheme and of a port (https://host:8080/x.csv) come before it.
"""

from __future__ import annotations

import glob
import posixpath
import re
import typing

from .errors import InputError, UsageError

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_HTTP = ("http", "https")
_EXTRA = "pip install 'losscli[remote]'"
_datasets: dict[str, bool] = {}  # URL -> whether it is a folder or a glob (a listing costs a request)
_listed: dict[str, list[str]] = {}  # URL -> its shards: listed once a run (datasets.py asks more than once)


def is_url(source: str | None) -> bool:
    """Whether SOURCE starts with a scheme (https://, s3://, gs://, ...): no import, no request."""
    return source is not None and _URL.match(source) is not None


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def split(source: str) -> tuple[str, str | None]:
    """(URL, selector or None): the selector follows the last ':' after the last '/'."""
    start = source.index("://") + 3
    slash = source.rfind("/", start)
    if slash < 0:  # no path: https://host:8080 is a port, s3://bucket:col a selector
        if scheme(source) in _HTTP:
            return source, None
        slash = start
    colon = source.rfind(":", slash)
    if colon < 0:
        return source, None
    return source[:colon], source[colon + 1 :]


def path_part(url: str) -> str:
    """The URL without its query string or fragment (for the extension that picks the format)."""
    if scheme(url) in _HTTP:
        return re.split(r"[?#]", url, maxsplit=1)[0]
    return url


def filesystem(url: str):
    """(fsspec filesystem, path) for URL; UsageError when the extra (or the scheme's package) is missing."""
    try:
        import fsspec
        from fsspec.core import url_to_fs

        fsspec.get_filesystem_class(scheme(url))  # raises ImportError when s3fs/aiohttp/gcsfs is missing
        return url_to_fs(url)
    except ImportError:
        if scheme(url) in ("gs", "gcs"):
            raise UsageError(f"{url} needs the remote extra and gcsfs: {_EXTRA} gcsfs") from None
        raise UsageError(f"{url} needs the remote extra: {_EXTRA}") from None
    except ValueError as e:  # an unknown protocol
        raise UsageError(f"{url}: {_first(e)} (losscli reads https://, s3:// and gs:// URLs)") from None


def require(url: str) -> None:
    """The extra is installed for URL's scheme (UsageError otherwise), before any reading."""
    filesystem(url)


def error(e: BaseException, url: str) -> InputError:
    """A one-line InputError naming URL for what fsspec, aiohttp, botocore or polars raised."""
    chain, c = [], e
    while c is not None and len(chain) < 10:
        chain.append(c)
        c = c.__cause__ or c.__context__
    names = {type(c).__name__ for c in chain}
    text = " ".join(str(c) for c in chain)
    if "NoCredentialsError" in names or "Unable to locate credentials" in text:
        reason = ("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), "
                  "or configure ~/.aws/credentials")
    elif names & {"ClientConnectorError", "ConnectionRefusedError", "EndpointConnectionError",
                  "ConnectTimeoutError", "ServerTimeoutError", "ClientConnectorDNSError"}:
        where = next((m[1] for c in chain if (m := re.search(r"host (\S+?)(?: ssl:\S+)? ", str(c)))), None)
        endpoint = next((m[1] for c in chain if (m := re.search(r'endpoint URL: "([^"]+)"', str(c)))), None)
        reason = f"cannot connect to {where or endpoint or 'the server'}" + (
            " (connection refused)" if "ConnectionRefusedError" in names or "refused" in text.lower() else "")
    elif "NoSuchBucket" in text or "bucket does not exist" in text:
        reason = "no such bucket"
    elif any(isinstance(c, FileNotFoundError) for c in chain) or "NoSuchKey" in text or " 404" in text:
        reason = "not found" + (" (HTTP 404)" if scheme(url) in _HTTP else "")
    elif any(isinstance(c, PermissionError) for c in chain) or "AccessDenied" in text or " 403" in text:
        reason = "access denied (HTTP 403)" if scheme(url) in _HTTP else "access denied"
    else:
        status = next((getattr(c, "status", None) for c in chain if isinstance(getattr(c, "status", None), int)), None)
        reason = f"HTTP {status}" if status else _first(e)
    return InputError(f"cannot read {url}: {reason}")


def _first(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


def size(url: str) -> int | None:
    """The size of the object at URL in bytes (None when the server does not say), or InputError."""
    fs, path = filesystem(url)
    try:
        info = fs.info(path)
    except Exception as e:
        raise error(e, url) from None
    if info.get("type") == "directory":
        raise InputError(f"cannot read {url}: a folder, not a file (a dataset of shards needs a glob "
                         "or a folder on s3:// or gs://)")
    return info.get("size")


def ranges(url: str) -> bool:
    """Whether the server of an http(s) URL answers a Range request (206): polars' reader of a large
    Parquet/Arrow file needs it, and is not to meet a server without it (asked first, one small GET)."""
    if scheme(url) not in _HTTP:
        return True  # object stores always do
    fs, path = filesystem(url)
    try:
        f = fs.open(path, "rb", block_size=0, headers={"Range": "bytes=0-3"})
        try:
            return getattr(getattr(f, "r", None), "status", 206) == 206
        finally:
            f.close()
    except Exception as e:
        raise error(e, url) from None


class File:
    """A binary stream of the object at URL, read front to back; errors become InputError naming URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        fs, path = filesystem(url)
        try:
            if scheme(url) in _HTTP:  # one GET streamed as it is read: no Range requests needed
                self.size = fs.info(path).get("size")  # a HEAD request: the size, and a 404 before the GET
                self.f = fs.open(path, "rb", block_size=0)
            else:  # object stores: ranged GETs of 8 MiB ahead of the reads
                self.f = fs.open(path, "rb", block_size=8 << 20, cache_type="readahead")
                self.size = self.f.size
        except Exception as e:
            raise error(e, url) from None

    def read(self, n: int = -1) -> bytes:
        try:
            return self.f.read(n)
        except Exception as e:
            raise error(e, self.url) from None

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.f.close()
        except Exception:  # closing a half-read HTTP stream: nothing the user can act on
            pass

    def __enter__(self) -> "File":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_dataset(url: str) -> bool:
    """A glob (s3://bucket/preds/part-*.parquet) or a folder on an object store; never a request
    for http(s) (no listing there) or a URL of a file with an extension."""
    if scheme(url) in _HTTP:
        return False
    if url in _datasets:
        return _datasets[url]
    if glob.has_magic(url.split("://", 1)[1]) or url.endswith("/"):
        found = True
    elif posixpath.splitext(url.split("://", 1)[1])[1]:
        found = False  # part-0.parquet: a file (a folder named like a file is read as a file)
    else:
        try:
            fs, path = filesystem(url)
            found = fs.isdir(path)
        except Exception:  # a missing extra, a refused connection: the reader says so, with the option
            found = False
    _datasets[url] = found
    return found


def shards(url: str) -> list[str]:
    """The files of a glob or folder URL, as URLs, in sorted order ('_' and '.' files left out)."""
    if url in _listed:
        return _listed[url]
    fs, path = filesystem(url)
    prefix = scheme(url) + "://"
    try:
        if glob.has_magic(path):
            found = [p for p, info in fs.glob(path, detail=True).items() if info.get("type") == "file"
                     and not posixpath.basename(p).startswith(("_", "."))]
        else:
            root = path.rstrip("/")
            found = [p for p in fs.find(root) if not any(
                part.startswith(("_", ".")) for part in posixpath.relpath(p, root).split("/"))]
    except Exception as e:
        raise error(e, url) from None
    if not found:
        raise InputError(f"no file matches {url}" if glob.has_magic(path) else
                         f"{url} is a folder without data files (a dataset's shards: files not starting "
                         "with '_' or '.')")
    _listed[url] = sorted(prefix + p.removeprefix(prefix) for p in found)
    return _listed[url]

