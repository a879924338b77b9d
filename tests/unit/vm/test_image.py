"""Base images without a network: local files, the download cache, checksums, and the build recipe."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.image import BaseImage, resolve_image
from dockyard.vm.image_build import ImageRecipe, _configure, image_path

DIGEST = "ab" * 32


def qcow2(path: Path, virtual: int) -> Path:
    path.write_bytes(b"QFI\xfb" + b"\0" * 20 + struct.pack(">Q", virtual) + b"\0" * 64)
    return path


def test_a_local_qcow2_and_a_raw_file(tmp_path: Path) -> None:
    image = resolve_image(str(qcow2(tmp_path / "a.qcow2", 4 << 30)), cache_dir=tmp_path)
    assert (image.format, image.virtual_bytes) == ("qcow2", 4 << 30)
    raw = tmp_path / "b.img"
    raw.write_bytes(b"\0" * 4096)
    assert resolve_image(str(raw), cache_dir=tmp_path) == BaseImage(raw, "raw", 4096)


def test_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="cannot read image") as raised:
        resolve_image(str(tmp_path / "nope.qcow2"), cache_dir=tmp_path)
    assert "dockyard image build" in (raised.value.hint or "")


def test_no_image_means_the_newest_built_one(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="no `image:` given"):
        resolve_image("", cache_dir=tmp_path)
    older = qcow2(tmp_path / "debian-bookworm-aaa.qcow2", 1 << 30)
    newer = qcow2(tmp_path / "debian-bookworm-bbb.qcow2", 2 << 30)
    import os
    os.utime(older, (1, 1))
    assert resolve_image("", cache_dir=tmp_path).path == newer


def test_urls_need_https_and_a_sha256(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="not https"):
        resolve_image("http://example.invalid/x.qcow2", cache_dir=tmp_path)
    for bad in (None, "md5:abc", "sha256:xyz"):
        with pytest.raises(ProviderError, match="image_checksum: sha256"):
            resolve_image("https://example.invalid/x.qcow2", bad, cache_dir=tmp_path)


def test_a_verified_download_in_the_cache_is_used_without_fetching(tmp_path: Path) -> None:
    cached = qcow2(tmp_path / f"{DIGEST[:16]}-x.qcow2", 3 << 30)
    image = resolve_image("https://example.invalid/images/x.qcow2", f"sha256:{DIGEST}", cache_dir=tmp_path)
    assert image.path == cached


def test_the_recipe_hash_names_the_image() -> None:
    base = ImageRecipe()
    assert image_path(base, Path("/c")).name == f"debian-bookworm-{base.digest()}.qcow2"
    assert ImageRecipe(with_docker=True).file_name().startswith("debian-bookworm-docker-")
    assert len({base.digest(), ImageRecipe(with_docker=True).digest(), ImageRecipe(packages=("htop",)).digest(),
                ImageRecipe(seed_reader="cloud-init").digest(), ImageRecipe(size_gib=8).digest()}) == 5
    assert "docker.io" in ImageRecipe(with_docker=True).packages_to_install()
    assert "cloud-init" not in base.packages_to_install() and "python3-yaml" in base.packages_to_install()


def test_configure_prepares_a_root_for_first_boot(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for directory in ("etc/ssh", "etc/systemd/system", "usr/local/sbin", "var/lib/dbus", "var/cache/apt", "tmp"):
        (root / directory).mkdir(parents=True)
    (root / "etc/ssh/ssh_host_ed25519_key").write_text("secret")
    (root / "var/lib/dbus/machine-id").write_text("0123")
    (root / "var/cache/apt/pkgcache.bin").write_text("x")
    _configure(ImageRecipe(), root)
    assert not (root / "etc/ssh/ssh_host_ed25519_key").exists()
    assert (root / "etc/machine-id").read_text() == "" and not (root / "var/lib/dbus/machine-id").exists()
    assert (root / "etc/fstab").read_text().startswith("LABEL=root / ext4")
    assert (root / "etc/systemd/system/apt-daily.timer").readlink() == Path("/dev/null")
    assert (root / "usr/local/sbin/dockyard-seed").stat().st_mode & 0o111
    wants = root / "etc/systemd/system/sysinit.target.wants/dockyard-seed.service"
    assert wants.readlink() == Path("../dockyard-seed.service")
    assert "console=ttyS0" in (root / "boot/extlinux/extlinux.conf").read_text()
    assert not (root / "var/cache/apt/pkgcache.bin").exists()


def test_a_built_image_by_name_is_the_recipe_image_in_the_cache(tmp_path: Path) -> None:
    docker = qcow2(image_path(ImageRecipe(with_docker=True), tmp_path), 4 << 30)
    plain = qcow2(image_path(ImageRecipe(), tmp_path), 4 << 30)
    assert resolve_image("dockyard:bookworm-docker", cache_dir=tmp_path).path == docker
    assert resolve_image("dockyard:bookworm", cache_dir=tmp_path).path == plain
    assert "docker.io" in ImageRecipe(with_docker=True).packages_to_install()
    assert "busybox-static" in ImageRecipe(with_docker=True).packages_to_install()


def test_an_unknown_built_image_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="unknown built image") as error:
        resolve_image("dockyard:jessie-k8s", cache_dir=tmp_path)
    assert error.value.hint == ("built images: dockyard:bookworm, dockyard:bookworm-docker")
