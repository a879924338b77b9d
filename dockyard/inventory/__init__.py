"""Ansible-compatible inventories: hosts, groups, variables and host patterns.

::

    from dockyard.inventory import load_inventory

    inventory = load_inventory(["inventory/prod.ini"])
    for host in inventory.select("web:&staging:!web03"):
        print(host.name, inventory.get_vars(host)["ansible_host"])

Files: ``model.py`` (Host, Group, Inventory), ``load.py`` (sources), ``ini.py`` and
``yamlfile.py`` (the two formats), ``hosts.py`` + ``ranges.py`` (host entries and
ranges), ``varsfiles.py`` (group_vars/host_vars), ``vars.py`` (the precedence, in one
place), ``patterns.py`` (host patterns), ``checks.py`` (connection variables),
``plugins.py`` (``plugin:`` configurations), ``render.py`` (``dockyard inventory`` output).
"""

from dockyard.inventory.load import load_inventory
from dockyard.inventory.model import Group, Host, Inventory, Origin
from dockyard.inventory.patterns import Selection

__all__ = ["Group", "Host", "Inventory", "Origin", "Selection", "load_inventory"]
