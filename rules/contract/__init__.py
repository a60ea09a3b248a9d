"""DPL7xx: the contract between a tool's (or agent strategy's) YAML and its Python.

What the code reads from `tool_parameters` and `self.runtime.credentials` against what the YAML
declares, the pydantic model an agent strategy builds from its parameters, a generator `_invoke`,
and the methods a provider or tool must implement for what its YAML promises. The facts are in
`dify_lint.analysis.contracts` and `dify_lint.analysis.params`.
"""
