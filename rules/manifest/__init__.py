"""DPL1xx: manifest.yaml."""
