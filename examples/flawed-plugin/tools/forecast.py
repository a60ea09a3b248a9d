from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.entities.tool import ToolInvokeMessage


class ForecastTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
        city = tool_parameters["city"]
        response = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=f"Summarise tomorrow's weather in {city}.")],
            stream=True,
        )
        summary = ""
        for chunk in response:
            summary += chunk.delta.message.content
        yield self.create_text_message(summary)
