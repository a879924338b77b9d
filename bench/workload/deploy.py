"""The benchmark's workload as a pyinfra v3 deploy: the same ten tasks as site.yml.

Run by `python -m bench` as `pyinfra inventory.py deploy.py -y --sudo --parallel N`
from this directory. The guarded command is pyinfra's way: a fact decides whether the
operation exists at all (pyinfra's `server.shell` has no `creates`).
"""

from io import StringIO

from pyinfra import host  # type: ignore[attr-defined]  # pyinfra's documented import
from pyinfra.facts.files import File
from pyinfra.operations import files, server

files.directory(name="app directory", path="/srv/bench", mode="755")
files.directory(name="config directory", path="/srv/bench/conf", mode="755")
files.put(
    name="motd",
    src=StringIO("Managed by the dockyard benchmark.\n"),
    dest="/srv/bench/motd.txt",
    mode="644",
)
files.put(
    name="environment file",
    src=StringIO("APP_MODE=production\nAPP_WORKERS=4\n"),
    dest="/srv/bench/conf/app.env",
    mode="640",
)
files.template(
    name="app config from a template",
    src="templates/app.conf.j2",
    dest="/srv/bench/conf/app.conf",
    mode="644",
    inventory_hostname=host.name,
    app_port=8080,
)
files.line(
    name="a line in a config file",
    path="/etc/login.defs",
    line="^#?HOME_MODE",
    replace="HOME_MODE 0750",
)
server.user(name="service user", user="benchsvc", shell="/bin/sh", create_home=True)
files.directory(
    name="data directory owned by the service user",
    path="/srv/bench/data",
    user="benchsvc",
    mode="750",
)
files.link(
    name="current config symlink", path="/srv/bench/current.conf", target="/srv/bench/conf/app.conf"
)
if host.get_fact(File, path="/srv/bench/initialized") is None:
    server.shell(name="one-time initialisation", commands=["date -u > /srv/bench/initialized"])
