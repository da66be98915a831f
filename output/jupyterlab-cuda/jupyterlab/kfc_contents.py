"""kfc: the server's contents, with two of jupyter_server's rename races closed (jupyter_server 2.21).

JupyterLab renames a new notebook on its first Ctrl+S while its file browser lists the folder and the
notebook panel lists the old name's checkpoints. Two checks in jupyter_server look first and act after:
- AsyncFileCheckpoints.list_checkpoints sees the checkpoint file, then stats it on a worker thread; the
  rename moves it in between, os.stat raises FileNotFoundError and the request answers 500.
- A folder's listing stats each entry, then asks for its model; an entry renamed or deleted in between makes
  that model a 404, which ends the whole listing: the file browser says "Directory not found" for the home.
Here a checkpoint that is gone is no checkpoint, and a listing that met a vanishing entry is taken again.
"""

from jupyter_server.services.contents.filecheckpoints import AsyncFileCheckpoints
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

LISTING_ATTEMPTS = 3


class RenameSafeCheckpoints(AsyncFileCheckpoints):
    async def list_checkpoints(self, path):
        try:
            return await super().list_checkpoints(path)
        except FileNotFoundError:
            return []


class RenameSafeContentsManager(AsyncLargeFileManager):
    async def _dir_model(self, path, content=True):
        for attempt in range(1, LISTING_ATTEMPTS + 1):
            try:
                return await super()._dir_model(path, content=content)
            except web.HTTPError as e:
                # The folder is still there, so the 404 was an entry that went between its stat and its model.
                if e.status_code != 404 or attempt == LISTING_ATTEMPTS or not await self.dir_exists(path):
                    raise
