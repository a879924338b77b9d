"""The lab host image: built once from a recipe directory, then reused by content hash.

A recipe is a directory (tests/lab/image/ for plain SSH hosts, tests/lab/image-systemd/
for hosts with systemd as PID 1, tests/lab/image-docker/ for docker hosts) holding `build.sh`
and everything it reads; a variant also names the directories it builds on (`includes`),
which are hashed with it. The image tag is `<name>:<first 12 hex digits of a SHA-256 over
the recipe's files>`, so editing any file of the recipe makes the next run build a new
image, and an unchanged recipe is found again with `docker image inspect` in
milliseconds. Builds are serialized with a file lock, so parallel test workers
(pytest-xdist) build once and the others wait for it.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab.docker import LabError, docker

IMAGE_DIR = Path(__file__).resolve().parent / "image"
LAB_DIR = Path("/tmp/dockyard-lab")


@dataclass(frozen=True)
class Recipe:
    """How to build one kind of lab image: `build.sh TAG WORKDIR` in `directory`.

    `includes` are other recipe directories that `build.sh` reads (a variant's base).
    """

    name: str
    directory: Path
    includes: tuple[Path, ...] = ()

    def digest(self) -> str:
        """SHA-256 over every file of the recipe (relative path, mode bit x, contents)."""
        sha = hashlib.sha256()
        root = self.directory.parent
        files = [p for d in (self.directory, *self.includes) for p in d.rglob("*") if p.is_file()]
        for path in sorted(files):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(root if self.includes else self.directory).as_posix()
            executable = "x" if path.stat().st_mode & 0o100 else "-"
            sha.update(f"{relative}\0{executable}\0".encode())
            sha.update(path.read_bytes())
            sha.update(b"\0")
        return sha.hexdigest()

    def tag(self) -> str:
        return f"{self.name}:{self.digest()[:12]}"


SSH_HOST_RECIPE = Recipe(name="dockyard-lab", directory=IMAGE_DIR)
SYSTEMD_HOST_RECIPE = Recipe(
    name="dockyard-lab-systemd", directory=IMAGE_DIR.with_name("image-systemd"), includes=(IMAGE_DIR,)
)
DOCKER_HOST_RECIPE = Recipe(
    name="dockyard-lab-docker", directory=IMAGE_DIR.with_name("image-docker"), includes=(IMAGE_DIR,)
)


def image_exists(tag: str) -> bool:
    return docker("image", "inspect", tag, check=False).returncode == 0


def ensure_image(recipe: Recipe, workdir: Path) -> str:
    """Return the recipe's image tag, building the image first if Docker lacks it.

    Progress goes to stderr; the full build log to `workdir/build-<hash>.log`.
    """
    tag = recipe.tag()
    if image_exists(tag):
        return tag
    LAB_DIR.mkdir(parents=True, exist_ok=True)
    with open(LAB_DIR / f"build-{recipe.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not image_exists(tag):  # another process may have built it while we waited
            _build(recipe, tag, workdir)
    return tag


def _build(recipe: Recipe, tag: str, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"build-{tag.split(':')[1]}.log"
    print(f"lab: building image {tag} with mmdebstrap (log: {log_path}) ...", file=sys.stderr)
    started = time.monotonic()
    with open(log_path, "w") as log:
        result = subprocess.run(
            [str(recipe.directory / "build.sh"), tag, str(workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
        raise LabError(
            f"building the lab image {tag} failed (exit {result.returncode}); "
            f"last lines of {log_path}:\n{tail}",
            hint="the build needs root, mmdebstrap and apt access to the Debian archive",
        )
    print(f"lab: built {tag} in {time.monotonic() - started:.1f}s", file=sys.stderr)
