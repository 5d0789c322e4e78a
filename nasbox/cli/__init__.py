"""The `nasbox` command."""
