from collections.abc import Generator
from typing import Any

from dify_plugin.entities.agent import AgentInvokeMessage
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.interfaces.agent import AgentModelConfig, AgentStrategy
from pydantic import BaseModel


class SimpleParams(BaseModel):
    model: AgentModelConfig
    query: str


class SimpleStrategy(AgentStrategy):
    def _invoke(self, parameters: dict[str, Any]) -> Generator[AgentInvokeMessage, None, None]:
        params = SimpleParams(**parameters)
        result = self.session.model.llm.invoke(
            model_config=params.model,
            prompt_messages=[UserPromptMessage(content=params.query)],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
