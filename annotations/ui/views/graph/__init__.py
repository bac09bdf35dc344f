"""The claim graph in the web UI: questions, related claims, proposed relations, the graph view."""
