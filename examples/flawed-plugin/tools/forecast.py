from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig
from dify_plugin.entities.tool import ToolInvokeMessage


class ForecastTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
        city = tool_parameters["city"]
        units = tool_parameters.get("unit", "metric")
        model = tool_parameters["model"]
        # remember the city for later searches
        self.session.model.text_embedding.invoke(model_config=TextEmbeddingModelConfig(**model), texts=[city])
        response = self.session.model.llm.invoke(
            model_config=model,
            prompt_messages=[UserPromptMessage(content=f"Summarise tomorrow's weather in {city}, in {units} units.")],
            stream=True,
        )
        summary = ""
        for chunk in response:
            summary += chunk.delta.message.content
        yield self.create_text_message(summary)
