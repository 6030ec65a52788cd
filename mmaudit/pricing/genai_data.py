"""Which genai-prices data the rate table is built from: the installed package's, or a newer copy
the user fetched on purpose with `mmaudit prices update`.

genai-prices publishes its data between releases (a model priced last week is in the data file
on GitHub days before it is on PyPI). The package can swap that file in at run time in a
background thread; we never fetch anything behind the user's back, so the fetch is a command of
its own: it downloads the file the installed genai-prices can read (its own `DEFAULT_UPDATE_URL`),
parses it with genai-prices' own parser, translates it once to prove it usable, and only then
keeps it. Until the user runs `prices update --revert`, every price load builds from that copy,
and every figure's provenance names it (fetch date and sha256), so a report can be reproduced.

The copy lives in the user's data folder (`$MMAUDIT_DATA_DIR`, else `$XDG_DATA_HOME/mmaudit`,
else `~/.local/share/mmaudit`), not the cache: deleting a cache must not change prices. Two
files: the data as fetched, named by its digest, and a small record of where and when it came
from with its sha256. The record is written last and names the data file, so a run stopped at any
point leaves either the previous copy in use or the new one, never a mix.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mmaudit.errors import ConfigError, InputError

RECORD_FILE = "fetched-prices.record.json"
DATA_GLOB = "fetched-prices-*.json"  # fetched-prices-<sha256[:12]>.json


@dataclass(frozen=True)
class Fetched:
    """Where a fetched copy came from. `sha256` is the data file's digest, checked on every parse."""

    url: str
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    providers: int
    models: int


@functools.cache
def package_version() -> str:
    """The installed genai-prices' version. Read once per process: each read scans the installed
    packages' metadata (~2 ms)."""
    return version("genai-prices")


def data_dir() -> Path:
    base = os.environ.get("MMAUDIT_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "mmaudit")
    return Path(base)


def data_path(sha256: str) -> Path:
    """Where the fetched copy with this digest is kept."""
    return data_dir() / f"fetched-prices-{sha256[:12]}.json"


def fetched() -> Fetched | None:
    """The fetched copy in use, or None: the installed package's data."""
    try:
        raw = json.loads((data_dir() / RECORD_FILE).read_text(encoding="utf-8"))
        return Fetched(**{k: raw[k] for k in Fetched.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{data_dir() / RECORD_FILE}: the record of fetched genai-prices data cannot be read "
                          f"({exc}); run `mmaudit prices update` again, or `mmaudit prices update --revert`") from exc


def data_version() -> str:
    """The identity of the data in use, safe in a file name: `0.2.3`, or `0.2.3+fetched.<sha12>`.
    Every cache built from genai-prices' data is keyed by it."""
    copy = fetched()
    return package_version() if copy is None else f"{package_version()}+fetched.{copy.sha256[:12]}"


def data_label() -> str:
    """The data in use as a reviewer reads it: `genai-prices 0.2.3`, or with the fetch's date and digest."""
    copy = fetched()
    if copy is None:
        return f"genai-prices {package_version()}"
    return f"genai-prices {package_version()}, data fetched {copy.fetched_at[:10]} (sha256 {copy.sha256[:12]})"


def providers() -> list[Any]:
    """genai-prices' providers: the fetched copy's when there is one, else the package's."""
    copy = fetched()
    if copy is None:
        from genai_prices.data import providers as bundled

        return list(bundled)
    return _parsed(copy.sha256)


def snapshot() -> Any:
    """A genai-prices `DataSnapshot` of `providers()`, for its model and provider matching."""
    from genai_prices.data_snapshot import get_snapshot

    copy = fetched()
    return get_snapshot() if copy is None else _snapshot(copy.sha256)


@functools.lru_cache(maxsize=2)
def _snapshot(sha256: str) -> Any:
    from genai_prices.data_snapshot import DataSnapshot

    return DataSnapshot(_parsed(sha256), from_auto_update=True)


@functools.lru_cache(maxsize=2)
def _parsed(sha256: str) -> list[Any]:
    path = data_path(sha256)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: fetched genai-prices data is missing ({exc.strerror}); "
                          "run `mmaudit prices update` again, or `mmaudit prices update --revert`") from exc
    if hashlib.sha256(body).hexdigest() != sha256:
        raise ConfigError(f"{path}: fetched genai-prices data does not match its record (sha256 {sha256[:12]}); "
                          "run `mmaudit prices update` again, or `mmaudit prices update --revert`")
    return parse(body, str(path))


def parse(body: bytes, where: str) -> list[Any]:
    """genai-prices' providers from its published data file, read by genai-prices' own parser."""
    from genai_prices.types import _providers_from_raw  # the parser its own updater uses

    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON ({exc})") from exc
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: expected genai-prices' list of providers, found {type(raw).__name__}")
    try:
        return _providers_from_raw(raw)
    except Exception as exc:  # pydantic's ValidationError, or any error of a newer schema
        first = [line.strip() for line in str(exc).splitlines()[:3]]  # pydantic: count, location, problem
        raise InputError(f"{where}: genai-prices {package_version()} cannot read this price data: "
                         f"{first[0]}: {' '.join(first[1:])}".rstrip(": ")) from exc


def default_url() -> str:
    """The data file the installed genai-prices' own updater fetches (a schema it can read)."""
    from genai_prices.update_prices import DEFAULT_UPDATE_URL

    return DEFAULT_UPDATE_URL


def download(url: str, timeout: float = 30.0) -> bytes:
    """The bytes at `url` (https, http or file)."""
    if not url.startswith(("https://", "http://", "file://")):
        raise InputError(f"--url {url!r}: expected an https://, http:// or file:// address")
    request = urllib.request.Request(url, headers={"User-Agent": "mmaudit prices update"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            return response.read()
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"{url}: could not fetch ({reason})") from exc


def describe(body: bytes, url: str, parsed: list[Any], now: datetime | None = None) -> Fetched:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Fetched(url=url, fetched_at=stamp, sha256=hashlib.sha256(body).hexdigest(), providers=len(parsed),
                   models=sum(len(p.models) for p in parsed))


def keep(body: bytes, record: Fetched) -> Path:
    """Make `body` the data in use: its own file first, then the record naming it (the switch),
    then the copies it replaces are removed."""
    folder, path = data_dir(), data_path(record.sha256)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, content in ((path, body), (folder / RECORD_FILE, json.dumps(asdict(record), indent=1).encode())):
            partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            partial.write_bytes(content)
            partial.replace(target)
    except OSError as exc:
        raise InputError(f"{folder}: cannot keep the fetched price data ({exc.strerror}); "
                         "set MMAUDIT_DATA_DIR to a writable folder") from exc
    for old in folder.glob(DATA_GLOB):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def forget() -> bool:
    """Back to the package's data. True when a fetched copy was in use."""
    folder = data_dir()
    had = (folder / RECORD_FILE).exists()
    for path in [folder / RECORD_FILE, *folder.glob(DATA_GLOB)]:  # the record first: the switch back
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise InputError(f"{path}: cannot remove ({exc.strerror})") from exc
    return had
