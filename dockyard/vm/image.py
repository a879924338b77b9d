"""Base images: where a machine's disk comes from (``image:`` of a ``vm`` task).

``image:`` is one of

- a local file (qcow2 or raw), used in place as the read-only backing file of every
  machine's own qcow2 overlay;
- an ``https://`` URL with ``image_checksum: sha256:<hex>``: downloaded once into the cache
  directory, verified, then used like a local file (a wrong checksum deletes the download);
- ``dockyard:bookworm`` or ``dockyard:bookworm-docker``: the image ``dockyard image build
  [--with-docker]`` makes (Debian 12, plus Docker Engine and a static busybox), built into the
  cache the first time it is needed (about 3 minutes), found by its recipe hash afterwards;
- empty: the newest image ``dockyard image build`` left in the cache.

The cache directory is ``$DOCKYARD_IMAGE_CACHE``, else ``/var/lib/dockyard/images`` for root
and ``~/.cache/dockyard/images`` for everyone else. Built images (:mod:`dockyard.vm.image_build`)
go there too. A cached image is never changed in place: machines use it as a backing file.
"""

from __future__ import annotations

import hashlib
import os
import struct
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockyard.errors import ProviderError

__all__ = ["BaseImage", "default_cache_dir", "resolve_image"]

QCOW2_MAGIC = b"QFI\xfb"
BUILT = "dockyard:"
BUILT_SUITES = ("bookworm",)
CHUNK = 1 << 20


def default_cache_dir() -> Path:
    configured = os.environ.get("DOCKYARD_IMAGE_CACHE")
    if configured:
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/lib/dockyard/images")
    return Path.home() / ".cache/dockyard/images"


@dataclass(frozen=True)
class BaseImage:
    """A local image file, with what an overlay needs to know about it."""

    path: Path
    format: str
    virtual_bytes: int

    @classmethod
    def inspect(cls, path: Path) -> BaseImage:
        """Format and virtual size from the file's header (qcow2), or its length (raw)."""
        try:
            with open(path, "rb") as handle:
                header = handle.read(32)
                size = os.fstat(handle.fileno()).st_size
        except OSError as error:
            raise ProviderError(f"cannot read image {path}: {error.strerror}",
                                hint="give `image:` an existing qcow2 or raw file, or run 'dockyard image build'") from None
        if header[:4] == QCOW2_MAGIC:
            return cls(path, "qcow2", struct.unpack(">Q", header[24:32])[0])
        return cls(path, "raw", size)


def resolve_image(image: str, checksum: str | None = None, cache_dir: Path | None = None, *,
                  log: Callable[[str], None] = lambda _: None) -> BaseImage:
    """The local base image for ``image`` (see the module docstring), downloading or building it
    if needed (``log`` gets the build's progress lines)."""
    cache = cache_dir or default_cache_dir()
    if not image:
        return BaseImage.inspect(_newest_built(cache))
    if image.startswith(BUILT):
        return BaseImage.inspect(_built(image, cache, log))
    if image.startswith("https://"):
        return BaseImage.inspect(_download(image, checksum, cache))
    if "://" in image:
        raise ProviderError(f"image URL '{image}' is not https",
                            hint="images are downloaded over https only, with image_checksum: sha256:<hex>")
    path = Path(image).expanduser()
    if not path.is_absolute():
        path = path.resolve()
    return BaseImage.inspect(path)


def _built(image: str, cache: Path, log: Callable[[str], None]) -> Path:
    from dockyard.vm.image_build import ImageRecipe, build_image

    suite, _, flavour = image.removeprefix(BUILT).partition("-")
    if suite not in BUILT_SUITES or flavour not in ("", "docker"):
        choices = ", ".join(f"{BUILT}{name}{extra}" for name in BUILT_SUITES for extra in ("", "-docker"))
        raise ProviderError(f"unknown built image '{image}'", hint=f"built images: {choices}")
    return build_image(ImageRecipe(suite=suite, with_docker=flavour == "docker"), cache,
                       log=lambda line: log(f"image {image}: {line}"))


def _newest_built(cache: Path) -> Path:
    built = sorted(cache.glob("debian-*.qcow2"), key=lambda path: path.stat().st_mtime)
    if not built:
        raise ProviderError(f"no `image:` given and no built image in {cache}",
                            hint="run 'dockyard image build', or give `image:` a file or an https URL")
    return built[-1]


def _parse_checksum(url: str, checksum: str | None) -> str:
    algorithm, _, digest = (checksum or "").partition(":")
    if algorithm != "sha256" or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest.lower()):
        raise ProviderError(f"downloading {url} needs image_checksum: sha256:<64 hex digits>",
                            hint="take it from the image's SHA256SUMS file next to the image")
    return digest.lower()


def _download(url: str, checksum: str | None, cache: Path) -> Path:
    digest = _parse_checksum(url, checksum)
    name = url.rstrip("/").rsplit("/", 1)[-1] or "image"
    target = cache / f"{digest[:16]}-{name}"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    sha = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            while chunk := response.read(CHUNK):
                sha.update(chunk)
                out.write(chunk)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ProviderError(f"downloading {url} failed: {error}", hint="check the URL and the network") from None
    if sha.hexdigest() != digest:
        partial.unlink(missing_ok=True)
        raise ProviderError(f"{url}: sha256 is {sha.hexdigest()}, not {digest}",
                            hint="the download was removed; check image_checksum and the URL")
    partial.chmod(0o644)
    partial.replace(target)
    return target
