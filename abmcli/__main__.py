"""``python -m abmcli`` runs the ``abm`` command line."""

from . import main

main()
