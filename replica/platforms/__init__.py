"""Replica generators, one per site platform: a site for any registry portal of its platform.

A registry portal without a replica module of its own (`replica/portals/`) is served by its
platform's generator, built from its registry line: its hosts and start addresses, its agency's
name and level. Each site draws its agencies, years and reports from the templates and its own
share of the platform's variants (../shared/PLATFORM-VARIANTS.md), so no two sites look the same.
"""

from __future__ import annotations

from crawler import registry


#: Platform -> (module, class) of its generator.
GENERATORS = {"anhui": ("anhui", "AnhuiSite"), "guangdong": ("gkmlpt", "GkmlptSite"), "hanweb": ("hanweb", "HanwebSite"),
              "lincang": ("lincang", "LincangSite"), "trs": ("trs", "TrsSite"), "yuanlue": ("yuanlue", "YuanlueSite")}


def generator_for(portal: registry.Portal) -> type:
    import importlib

    module, cls = GENERATORS[portal.platform]
    base = getattr(importlib.import_module(f"{__package__}.{module}"), cls)
    return type(base.__name__ + "_" + portal.key, (base,), {"name": portal.key, "registry_portal": portal,
                                                             "hosts": site_hosts(portal)})


def site_hosts(portal: registry.Portal) -> tuple[str, ...]:
    """The portal's hosts and their bare or `www.` twins (the first is where its reports are listed)."""
    out = list(portal.hosts)
    for host in portal.hosts:
        out.append(host[4:] if host.startswith("www.") else "www." + host)
    return tuple(dict.fromkeys(out))
