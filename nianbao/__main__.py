"""`python -m nianbao ...`: the `nianbao` command through a chosen interpreter (`make PYTHON=...`)."""

from nianbao.cli import main

main(prog_name="nianbao")
