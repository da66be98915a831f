#!/bin/bash
# start-notebook.sh — kept for the commands that name it (Kubeflow configurations, the seed's
# start-custom.sh): the same as start-notebook.py. docker-stacks prints a deprecation WARNING
# here; we do not, since this name is a supported entry point of these images.
set -euo pipefail
exec /usr/local/bin/start-notebook.py "$@"
