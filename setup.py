# Everything is in pyproject.toml; `scrapyd-deploy` (scrapyd-client) builds an egg for Scrapyd
# nodes with `python setup.py bdist_egg`, which needs this file (`nianbao cluster crawl` builds its
# own from the installed packages, crawler/cluster.py).
from setuptools import setup

setup()
