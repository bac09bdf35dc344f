"""API views, one module per area; thin: validate input, call a selector or service, serialize."""
