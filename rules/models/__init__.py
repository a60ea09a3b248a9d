"""DPL4xx: model selection. The model config a `session.model.*` call (or a workflow node)
receives, traced back to where it was built or to the model-selector that supplied it; and model
ids taken apart, hard-coded, or an LLM schema built without a mode (DPL488-490, counted down from
the end of the family)."""
