"""The plugin's Python, read with the stdlib `ast`: one parse per module, an outline of what each
module defines and imports, and one resolver per plugin that says what a name refers to. libcst
appears only as the oracle that tells newer grammar from a real syntax error."""
