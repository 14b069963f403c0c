"""WhiteNoise that also serves hashed files collected after its process started.

WhiteNoise lists the static files once, at start-up. During a rolling deploy a page rendered by
a node already on the new release can send a browser to a node not yet restarted for the new
release's stylesheet; that node's list does not have it, so it would answer 404. A request for
a hashed name (which only collectstatic writes, and never changes) that is not in the list is
looked up on disk once and, if it is there, added to the list.
"""

import os
import re

from whitenoise.middleware import WhiteNoiseMiddleware

# collectstatic's hashed names: name.0123456789ab.css
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.\w+$")


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __call__(self, request):
        path = request.path_info
        if (
            not self.autorefresh
            and self.static_root
            and path not in self.files
            and path.startswith(self.static_prefix)
            and HASHED_NAME.search(path)
            and self.url_is_canonical(path)
        ):
            self._add_if_collected(path)
        return super().__call__(request)

    def _add_if_collected(self, url: str) -> None:
        root = os.path.abspath(self.static_root) + os.path.sep
        path = os.path.join(root, url[len(self.static_prefix) :])
        if self.path_is_child_of(path, root) and os.path.isfile(path):
            self.add_file_to_dictionary(url, path)
