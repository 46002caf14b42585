"""Example models built on the bundled data, used by the quickstart and the docs."""
