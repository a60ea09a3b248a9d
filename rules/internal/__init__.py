"""DPL0xx: the linter's own findings: files Dify reads that cannot be read, decoded or parsed."""
