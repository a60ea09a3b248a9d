from collections.abc import Mapping

from werkzeug import Request, Response

from dify_plugin import Endpoint


class HelloEndpoint(Endpoint):
    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
        return Response("hello", status=200, content_type="text/plain")
