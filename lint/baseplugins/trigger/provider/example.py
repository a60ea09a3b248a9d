from dify_plugin.entities.trigger import EventDispatch, Subscription
from dify_plugin.interfaces.trigger import Trigger
from werkzeug import Request, Response


class ExampleTrigger(Trigger):
    def _dispatch_event(self, subscription: Subscription, request: Request) -> EventDispatch:
        return EventDispatch(events=["ping"], response=Response("ok", status=200))
