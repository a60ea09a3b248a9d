"""DPL2xx: the declaration YAML reached from the manifest.

Tool providers and tools, model providers and models, endpoint groups and endpoints, agent
strategy providers and strategies, datasource providers and datasources, trigger providers and
events. Their shape is checked against the JSON Schemas in `dify_lint/model/schemas/`; what a
schema cannot say well (scope grammar, `multiple`, names that must be unique) is checked here.
"""
