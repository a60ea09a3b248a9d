"""The plugin's files: where they come from (a folder, unsaved buffers, a zipped package), how
their bytes become text, and how offsets become lines and columns. Nothing above this layer
opens a file or asks the operating system about one."""
