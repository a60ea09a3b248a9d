"""DPL6xx: the manifest's `resource.permission` against the `session.*` calls the code makes."""
