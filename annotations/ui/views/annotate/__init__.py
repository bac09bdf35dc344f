"""The annotate area: the article page where claims are read, marked, judged and linked."""
