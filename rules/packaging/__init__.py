"""DPL3xx: files and packaging.

What `dify plugin package` and the SDK's start-up need to find on disk: the YAML and Python files
the declarations name, exactly one class of the right kind in each source, icons in `_assets/`,
the entrypoint module, a dependency file that installs the SDK, an ignore file that keeps all of
it, and a package under the size limit. The ignore-file rules are the daemon's, in
`dify_lint.source.ignorefile`; the facts about files are in `dify_lint.analysis.package`.
"""
