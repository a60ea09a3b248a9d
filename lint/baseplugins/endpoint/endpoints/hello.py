from collections.abc import Mapping

from dify_plugin import Endpoint
from werkzeug import Request, Response


class HelloEndpoint(Endpoint):
    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
        return Response("hello", status=200, content_type="text/plain")
