"""gunicorn's settings for the Workbench, read from the project folder (`gunicorn workbench.wsgi`).

Threads: a request spends much of its time waiting on the database, so each worker process
serves a few at once instead of leaving its core idle during those waits (the GIL is released
while waiting). Command-line options override these (`--workers`, `--threads`, ...); so does the
environment: WEB_WORKERS, WEB_THREADS.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A large upload or release download outlives the default 30 s only on a slow disk.
timeout = 120
graceful_timeout = 20
# Annotators' browsers and scripts reuse connections between requests.
keepalive = 5
