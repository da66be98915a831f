"""kfc: the server's file checkpoints, with jupyter_server's rename race closed.

AsyncFileCheckpoints.list_checkpoints (jupyter_server 2.21) checks that the checkpoint file exists, then
stats it on a worker thread. A rename or delete of the notebook handled in between (JupyterLab saves a new
notebook, asks for its checkpoints and renames it on its first Ctrl+S) moves the checkpoint away, os.stat
raises FileNotFoundError and the request answers 500: the page logs "Unhandled error". A file whose
checkpoint is gone has no checkpoint, which is what the list then says.
"""

from jupyter_server.services.contents.filecheckpoints import AsyncFileCheckpoints


class RenameSafeCheckpoints(AsyncFileCheckpoints):
    async def list_checkpoints(self, path):
        try:
            return await super().list_checkpoints(path)
        except FileNotFoundError:
            return []
