"""The web UI: server-rendered templates with htmx, calling services and selectors only."""
