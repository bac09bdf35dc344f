"""Web UI views, one module per area; thin: parse the request, call a service or selector, render."""
