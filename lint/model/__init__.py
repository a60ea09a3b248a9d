"""What a plugin is made of: its YAML documents with positions, checked against Dify's schemas,
the declaration graph the manifest leads to, and typed views of what the declarations hold."""
