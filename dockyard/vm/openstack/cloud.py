"""The connection to a cloud, chosen the OpenStack way, and API calls that retry what is transient.

Cloud selection is openstacksdk's own: ``cloud:`` in the provider options, else ``OS_CLOUD``,
else ``OS_*`` variables (``OS_AUTH_URL``, ...), else the only cloud in clouds.yaml
(``./clouds.yaml``, ``~/.config/openstack/``, ``/etc/openstack/``; ``clouds_yaml:`` names
another file). Nothing is contacted until the first call.

Every call goes through :meth:`Cloud.call`: a conflict (409), a server error (5xx) or a
connection failure is retried with backoff (1, 2, 4, 8, 8 ... s) for ``retry_for`` seconds;
anything else, or running out of time, raises a ProviderError that names what was being
done ("vm web1: create server") and what the cloud said.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dockyard.errors import ProviderError

__all__ = ["Cloud", "connect", "describe_error"]

T = TypeVar("T")


def _is_transient(error: BaseException) -> bool:
    from keystoneauth1 import exceptions as ksa
    from openstack import exceptions as sdk

    if isinstance(error, ksa.ConnectionError | ksa.ServiceUnavailable | ksa.GatewayTimeout | ksa.BadGateway):
        return True
    if isinstance(error, ksa.HttpError):
        return error.http_status == 409 or error.http_status >= 500
    if isinstance(error, sdk.HttpException):
        status = error.status_code or 0
        return status == 409 or status >= 500
    return False


def describe_error(error: BaseException) -> str:
    """One line of what the cloud said (status, message and details), without traceback."""
    from keystoneauth1 import exceptions as ksa
    from openstack import exceptions as sdk

    if isinstance(error, ksa.ConnectionError):
        text = str(error)
        url = re.search(r"connection to (\S+?):? ", text)
        reason = re.search(r"\[Errno -?\d+\] ([^\"')]+)", text)
        if url:
            return f"cannot connect to {url.group(1)}" + (f" ({reason.group(1).strip()})" if reason else "")

    if isinstance(error, sdk.HttpException):
        status = f"HTTP {error.status_code}: " if error.status_code else ""
        text = error.details or error.message or str(error)
        return status + " ".join(str(text).split())
    return " ".join(f"{type(error).__name__}: {error}".split())


@dataclass
class Cloud:
    """An openstacksdk Connection plus the retry policy of one provider."""

    conn: Any
    retry_for: float = 60.0
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @contextlib.contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Retry for at most ``seconds`` in this thread (cleaning up after a failure should
        not wait as long again)."""
        before = getattr(self._local, "retry_for", None)
        self._local.retry_for = min(seconds, self.retry_for)
        try:
            yield
        finally:
            self._local.retry_for = before

    def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``, retried while the cloud answers 409/5xx or not at all."""
        from keystoneauth1 import exceptions as ksa
        from openstack import exceptions as sdk

        budget = getattr(self._local, "retry_for", None) or self.retry_for
        started = time.monotonic()
        delay = 1.0
        tries = 0
        while True:
            tries += 1
            try:
                return function(*args, **kwargs)
            except (sdk.SDKException, ksa.ClientException) as error:
                waited = time.monotonic() - started
                if not _is_transient(error):
                    raise ProviderError(f"{what}: {describe_error(error)}") from None
                if waited + delay > budget:
                    unreachable = isinstance(error, ksa.ConnectionError)
                    raise ProviderError(
                        f"{what}: {'the cloud did not answer' if unreachable else 'the cloud kept refusing'} "
                        f"({describe_error(error)}); {tries} tr{'y' if tries == 1 else 'ies'} over {waited:.0f} s",
                        hint="check that the cloud's APIs are up (openstack server list); a re-run replaces "
                             "whatever this run left half-made" if unreachable else
                             "a conflict (409) or server error (5xx) that did not go away: the cloud's logs say why"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 8.0)


def connect(cloud: str | None, region: str | None, clouds_yaml: str | None) -> Any:
    """An openstacksdk Connection for the selected cloud (not yet authenticated)."""
    try:
        import openstack
        from openstack import exceptions as sdk
    except ImportError as error:
        raise ProviderError(f"the openstack provider needs openstacksdk: {error}",
                            hint="pip install 'dockyard[openstack]'") from None
    try:
        if clouds_yaml:
            from openstack.config import OpenStackConfig
            from openstack.connection import Connection

            config = OpenStackConfig(config_files=[clouds_yaml]).get_one(cloud=cloud, region_name=region)
            return Connection(config=config)
        return openstack.connect(cloud=cloud, region_name=region)
    except (sdk.ConfigException, OSError) as error:
        raise ProviderError(f"cannot select the OpenStack cloud: {describe_error(error)}",
                            hint="name it with provider_options: {cloud: NAME} or OS_CLOUD, define it in "
                                 "clouds.yaml (./, ~/.config/openstack/, /etc/openstack/), "
                                 "or set OS_AUTH_URL and friends") from None
