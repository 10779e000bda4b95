# Everything is in pyproject.toml; `scrapyd-deploy` (scrapyd-client) builds the egg for Scrapyd
# nodes with `python setup.py bdist_egg`, which needs this file (`nianbao cluster`).
from setuptools import setup

setup()
