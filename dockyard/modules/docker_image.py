"""docker_image: an image on the target's dockerd, loaded from a tar file already on it.

No registry is needed (air-gapped labs, tests)::

    - copy: {src: check-rootfs.tar, dest: /var/tmp/check-rootfs.tar}
    - docker_image:
        name: dockyard-check:1
        source: /var/tmp/check-rootfs.tar
        format: rootfs             # rootfs: `docker import` (a file system tar)
                                   # archive: `docker load` (a `docker save` tar naming the image)
        changes: ['CMD ["sleep", "3600"]']   # rootfs only: Dockerfile instructions
    - docker_image: {name: old:1, state: absent}

The probe is ``docker image inspect NAME``. An image that exists is left alone, whatever
the tar now holds: give a new tag to roll out new content.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.docker_cli import DAEMON_HINT
from dockyard.modules.registry import register

__all__ = ["DockerImageArgs", "DockerImageModule", "ImageState"]


@dataclass(frozen=True)
class DockerImageArgs:
    name: str = arg(required=True, doc="image reference, e.g. dockyard-check:1")
    state: str = arg("present", choices=("present", "absent"), doc="present or absent")
    source: str | None = arg(None, aliases=("path", "load_path"), doc="tar file on the target (state present)")
    format: str = arg("rootfs", choices=("rootfs", "archive"), doc="rootfs (docker import) or archive (docker load)")
    changes: list[str] = arg([], doc="rootfs: Dockerfile instructions applied on import (CMD, ENV, ...)")


@dataclass(frozen=True)
class ImageState:
    exists: bool = False
    image_id: str | None = None


@register
class DockerImageModule(HostModule[DockerImageArgs, ImageState]):
    name = "docker_image"
    Args = DockerImageArgs

    def probe(self, args: DockerImageArgs, ctx: ModuleContext) -> str:
        return (f"if out=$(docker image inspect --format '{{{{.Id}}}}' -- {q(args.name)} 2>&1); "
                "then echo \"present $out\"; else echo \"$out\"; fi")

    def parse(self, args: DockerImageArgs, output: CommandResult | None, ctx: ModuleContext) -> ImageState:
        text = output.text().strip() if output else ""
        if text.startswith("present "):
            return ImageState(True, text.split()[1])
        if "No such image" in text or "No such object" in text:
            return ImageState()
        raise ModuleError(f"cannot read image {args.name} on {ctx.host}: {text or 'no output'}",
                          host=ctx.host, hint=DAEMON_HINT)

    def desired(self, args: DockerImageArgs, ctx: ModuleContext) -> ImageState:
        return ImageState(args.state == "present")

    def steps(self, current: ImageState, desired: ImageState, args: DockerImageArgs) -> list[Step]:
        if current.exists == desired.exists:
            return []
        if not desired.exists:
            return [Step(Action.DELETE, f"remove image {args.name}", f"docker image rm -- {q(args.name)}",
                         diff=Diff(f"image {args.name}\n", "absent\n", "image", "image"))]
        if not args.source:
            raise ModuleError(f"image {args.name} is missing and no 'source' says where to load it from",
                              hint="copy a tar file to the host and name it in 'source'")
        if args.format == "archive":
            command = (f"docker load --input {q(args.source)} && "
                       f"docker image inspect --format '{{{{.Id}}}}' -- {q(args.name)}")
        else:
            changes = "".join(f" --change {q(change)}" for change in args.changes)
            command = f"docker import{changes} {q(args.source)} {q(args.name)}"
        verb = "load" if args.format == "archive" else "import"
        return [Step(Action.CREATE, f"{verb} image {args.name} from {args.source}", command,
                     diff=Diff("absent\n", f"image {args.name}\n", "image", "image"))]
